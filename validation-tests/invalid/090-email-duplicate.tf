# path: notification.emails[1]
# expect: Duplicate entry
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    emails = ["a@example.com", "a@example.com"]
  }
}
