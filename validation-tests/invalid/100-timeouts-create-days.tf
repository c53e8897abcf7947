# path: timeouts.create
# expect: Invalid timeout
# expect: "10d"
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  timeouts {
    create = "10d"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
