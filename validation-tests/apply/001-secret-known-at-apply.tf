# path: secrets[1]
# expect: Invalid secret
# expect: one trailing
resource "terraform_data" "later" {
  input = "prod/**"
}

resource "secretmonitor_pipeline" "this" {
  name    = "prod-secrets"
  secrets = ["team/*", terraform_data.later.output]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
