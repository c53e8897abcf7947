# path: alarm.period_seconds
# expect: Unsupported alarm period
# expect: period_seconds = 45
resource "terraform_data" "later" {
  input = 45
}

resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    period_seconds = terraform_data.later.output
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
