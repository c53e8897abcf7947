output "pipelines" {
  description = "Each account's pipeline."
  value = {
    management = module.management
    payments   = module.payments
    data       = module.data
  }
}
