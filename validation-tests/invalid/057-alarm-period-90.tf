# path: alarm.period_seconds
# expect: Unsupported alarm period
# expect: for example, 120
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    period_seconds = 90
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
