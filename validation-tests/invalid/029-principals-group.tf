# path: allowed_principals[0]
# expect: Invalid allowed principal
# expect: IAM groups
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  allowed_principals = ["arn:aws:iam::111122223333:group/admins"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
