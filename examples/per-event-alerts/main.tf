# Per-event alerts: one message per unauthorised read, naming who read which
# secret from where, within seconds of CloudTrail handing the event to
# EventBridge; the alarm stays as a backstop. The scope mixes a prefix and a
# full ARN; the allow-list mixes roles (any session) and a
# trusted account. Tamper alerts report attacks on the pipeline itself.

terraform {
  required_version = ">= 1.6"
  required_providers {
    secretmonitor = {
      source = "secretmonitor/secretmonitor"
    }
  }
}

provider "secretmonitor" {
  region            = var.region
  s3_use_path_style = var.s3_use_path_style
}

resource "secretmonitor_pipeline" "this" {
  name = var.name

  # A prefix and a full ARN: each is matched whether the reader names the
  # secret by name, partial ARN or full ARN.
  secrets = var.secrets

  # Roles are recognised whatever their session name; an account ID allows
  # every principal of that account.
  allowed_principals = var.allowed_principals

  # Denied attempts are worth knowing about too.
  alert_on_denied = true

  fast_alerts   = var.fast_alerts
  tamper_alerts = true

  notification {
    sqs_queue_arns = var.alert_queue_arns
    emails         = var.alert_emails
  }

  alarm {
    # The backstop: the alarm path counts the same reads a few minutes later.
    period_seconds = 300
  }

  kms {
    deletion_window_days = 7
  }

  tags = { team = "security", alerting = "per-event" }
}
