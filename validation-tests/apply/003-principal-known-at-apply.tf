# path: allowed_principals[0]
# expect: Invalid allowed principal
# expect: arn:aws:iam::ACCOUNT_ID:role/app-prod
resource "terraform_data" "later" {
  input = "app-prod"
}

resource "secretmonitor_pipeline" "this" {
  name               = "prod-secrets"
  allowed_principals = [terraform_data.later.output]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
