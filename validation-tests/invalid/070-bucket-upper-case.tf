# path: archive.bucket_name
# expect: Invalid bucket name
# expect: 'A'
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    bucket_name = "Audit-Archive"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
