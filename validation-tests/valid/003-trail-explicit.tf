resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  trail {
    create              = true
    multi_region        = true
    organization        = true
    log_file_validation = false
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
