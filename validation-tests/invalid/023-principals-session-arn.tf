# path: allowed_principals[0]
# expect: Invalid allowed principal
# expect: assumed-role session
# expect: "arn:aws:iam::111122223333:role/app-prod"
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = ["arn:aws:sts::111122223333:assumed-role/app-prod/i-0abc"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
