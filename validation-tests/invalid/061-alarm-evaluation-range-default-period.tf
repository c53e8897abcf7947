# path: alarm.evaluation_periods
# expect: Evaluation range over one day
# expect: at most 1440
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    evaluation_periods = 1441
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
