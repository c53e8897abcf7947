resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    namespace          = "Acme/Security"
    metric_name        = "Production secret read"
    threshold          = 3
    period_seconds     = 10
    evaluation_periods = 5
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
