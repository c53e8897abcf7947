resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
