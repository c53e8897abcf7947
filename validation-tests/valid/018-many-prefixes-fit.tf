# Six prefixes fit one filter pattern when only successful reads count
# (712 characters). With alert_on_denied, each entry also needs its
# errorMessage clauses for denied reads without a secret ID, and only three
# fit: see invalid/107.
resource "secretmonitor_pipeline" "this" {
  name            = "prod-secrets"
  secrets         = [for t in ["payments", "identity", "search", "billing", "ledger", "mail"] : "${t}/*"]
  alert_on_denied = false
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
