# path: timeouts.update
# expect: Invalid timeout
# expect: "2 hours"
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  timeouts {
    update = "2 hours"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
