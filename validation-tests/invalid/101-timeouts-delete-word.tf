# path: timeouts.delete
# expect: Invalid timeout
# expect: not a duration
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  timeouts {
    delete = "soon"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
