# path: alarm.period_seconds
# expect: Unsupported alarm period
# expect: 10, 30 or a multiple of 60
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    period_seconds = 45
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
