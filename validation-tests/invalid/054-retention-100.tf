# path: log_group.retention_days
# expect: Unsupported retention
# expect: for example 90
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  log_group {
    retention_days = 100
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
