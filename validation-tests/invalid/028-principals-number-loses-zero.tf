# path: allowed_principals[0]
# expect: Invalid allowed principal
# expect: leading zeros
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = [012345678901]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
