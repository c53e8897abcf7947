# path: notification.emails[0]
# expect: Invalid email address
# expect: no @
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    emails = ["secops.example.com"]
  }
}
