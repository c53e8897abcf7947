# path: allowed_principals[1]
# expect: Duplicate entry
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = ["111122223333", "111122223333"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
