# The smallest useful pipeline: watch every secret under prod/, let the
# application's role read them, alert everyone else's reads by email.

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

  default_tags {
    tags = {
      managed-by = "terraform"
    }
  }
}

resource "secretmonitor_pipeline" "this" {
  name               = var.name
  secrets            = var.secrets
  allowed_principals = var.allowed_principals
  tags               = { team = "security" }

  log_group {
    retention_days = var.retention_days
  }

  archive {
    force_destroy = var.force_destroy_archive
  }

  notification {
    emails         = var.alert_emails
    sqs_queue_arns = var.alert_queue_arns
  }

  kms {
    deletion_window_days = 7
  }
}
