# path: notification.emails[1]
# expect: Invalid email address
# expect: top-level domain
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    emails = ["a@example.com", "secops@localhost"]
  }
}
