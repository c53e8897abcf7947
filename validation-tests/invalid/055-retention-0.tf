# path: log_group.retention_days
# expect: Unsupported retention
# expect: retention_days = 0
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  log_group {
    retention_days = 0
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
