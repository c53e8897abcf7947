# Root of the `terraform test` suite. The runs apply the modules in ../examples; this
# module only pins the provider so `terraform init` knows its source.
terraform {
  required_version = ">= 1.6"
  required_providers {
    secretmonitor = {
      source = "secretmonitor/secretmonitor"
    }
  }
}
