# path: allowed_principals[0]
# expect: Invalid allowed principal
# expect: exactly 12 digits
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = ["11122223333"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
