# path: secrets
# expect: Filter pattern too long
# expect: 1489 characters
# expect: 3 of 6 secrets fit
# expect: With alert_on_denied = false the pattern is 712 characters and fits
# Denied reads logged without a secret ID are matched by errorMessage, which
# costs each entry about as much again as its secretId clauses.
resource "secretmonitor_pipeline" "this" {
  name    = "prod-secrets"
  secrets = [for t in ["payments", "identity", "search", "billing", "ledger", "mail"] : "${t}/*"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
