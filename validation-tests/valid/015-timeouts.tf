resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  timeouts {
    create = "1h30m"
    update = "20m"
    delete = "90s"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
