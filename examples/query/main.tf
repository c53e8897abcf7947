# What `terraform query` (Terraform 1.14 or later) needs besides the
# .tfquery.hcl file: the provider, configured for the account and region to
# list.

terraform {
  required_providers {
    secretmonitor = {
      source = "secretmonitor/secretmonitor"
    }
  }
}

provider "secretmonitor" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-1"
}
