resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    period_seconds     = 3600
    evaluation_periods = 24
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
