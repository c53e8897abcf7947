# path: name
# expect: Invalid pipeline name
# expect: "prod-secrets"
resource "secretmonitor_pipeline" "this" {
  name = "Prod-Secrets"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
