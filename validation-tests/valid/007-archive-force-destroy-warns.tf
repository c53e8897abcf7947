resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    transition_to_glacier_after_days = 30
    expire_after_days                = 31
    force_destroy                    = true
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
