# The organisation's secret-read monitor: one pipeline per account and region,
# with the platform team's defaults. Callers pass an aliased provider that
# already points at the target account (assume_role).

terraform {
  required_version = ">= 1.6"
  required_providers {
    secretmonitor = {
      source = "secretmonitor/secretmonitor"
    }
  }
}

resource "secretmonitor_pipeline" "this" {
  name               = var.name
  secrets            = var.secrets
  allowed_principals = var.allowed_principals
  tags               = merge({ module = "secret-monitor" }, var.tags)

  trail {
    # The management account runs the organization trail; member accounts
    # reuse the log group their existing trail delivers to.
    create                  = var.existing_log_group_name == null
    existing_log_group_name = var.existing_log_group_name
    # Trail settings belong to the trail's owner: left unset when reusing one.
    organization = var.existing_log_group_name == null ? var.organization_trail : null
  }

  notification {
    sqs_queue_arns = var.alert_queue_arns
    emails         = var.alert_emails
  }

  kms {
    deletion_window_days = 7
  }
}
