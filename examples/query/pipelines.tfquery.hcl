# Every pipeline in the provider's account and region whose name starts with
# "prod-", with its full state (include_resource), as `terraform query` lists
# them and `terraform query -generate-config-out=generated.tf` imports them.

list "secretmonitor_pipeline" "prod" {
  provider         = secretmonitor
  include_resource = true
  limit            = 50

  config {
    name_prefix = "prod-"
  }
}
