# One module, three accounts: the organisation's management account runs the
# organization trail; two member accounts reuse the log group of their
# existing trail. Each provider alias assumes the deployer role of its
# account, so every pipeline lands in its own account.

terraform {
  required_version = ">= 1.6"
  required_providers {
    secretmonitor = {
      source = "secretmonitor/secretmonitor"
    }
  }
}

provider "secretmonitor" {
  alias             = "management"
  region            = var.region
  s3_use_path_style = var.s3_use_path_style
  assume_role {
    role_arn     = "arn:aws:iam::${var.accounts.management}:role/${var.deployer_role}"
    session_name = "secretmonitor-management"
  }
}

provider "secretmonitor" {
  alias             = "payments"
  region            = var.region
  s3_use_path_style = var.s3_use_path_style
  assume_role {
    role_arn     = "arn:aws:iam::${var.accounts.payments}:role/${var.deployer_role}"
    session_name = "secretmonitor-payments"
  }
}

provider "secretmonitor" {
  alias             = "data"
  region            = var.region
  s3_use_path_style = var.s3_use_path_style
  assume_role {
    role_arn     = "arn:aws:iam::${var.accounts.data}:role/${var.deployer_role}"
    session_name = "secretmonitor-data"
  }
}

module "management" {
  source    = "./modules/secret-monitor"
  providers = { secretmonitor = secretmonitor.management }

  name               = var.name
  organization_trail = true
  allowed_principals = ["arn:aws:iam::${var.accounts.management}:role/break-glass"]
  alert_queue_arns   = var.alert_queue_arns
}

module "payments" {
  source    = "./modules/secret-monitor"
  providers = { secretmonitor = secretmonitor.payments }

  name                    = var.name
  existing_log_group_name = var.member_log_group_name
  secrets                 = ["prod/*", "payments/*"]
  allowed_principals      = ["arn:aws:iam::${var.accounts.payments}:role/payments-api"]
  alert_queue_arns        = var.alert_queue_arns
}

module "data" {
  source    = "./modules/secret-monitor"
  providers = { secretmonitor = secretmonitor.data }

  name                    = var.name
  existing_log_group_name = var.member_log_group_name
  allowed_principals      = ["arn:aws:iam::${var.accounts.data}:role/etl"]
  alert_queue_arns        = var.alert_queue_arns
}
