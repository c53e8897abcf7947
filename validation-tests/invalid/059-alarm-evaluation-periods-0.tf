# path: alarm.evaluation_periods
# expect: Evaluation periods below 1
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    evaluation_periods = 0
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
