# path: alarm.evaluation_periods
# expect: Evaluation range over one day
# expect: 90000 seconds
# expect: at most 24
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    period_seconds     = 3600
    evaluation_periods = 25
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
