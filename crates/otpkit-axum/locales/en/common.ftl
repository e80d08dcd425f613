# The layout and the words every page shares.
common-account-nav = Account
common-site-nav = Site
common-skip-to-content = Skip to the main content
common-security = Two-step verification
common-sign-in = Sign in
common-sign-out = Sign out
common-admin = Administration
common-signed-in-as = Signed in as { $user }
common-error-title = Something went wrong
common-back = Back
common-cancel = Cancel
common-continue = Continue
common-save = Save
common-language = Language
common-language-choose = Change language
# The name of each language, in that language (the chooser lists them).
language-en = English
language-de = Deutsch
language-es = Español
language-fr = Français
language-pt = Português

# Human times ("2 minutes ago"); $n is a whole number, $date a date (YYYY-MM-DD).
time-just-now = just now
time-never = never
time-on-date = on { $date }
time-minutes-ago = { $n ->
        [one] 1 minute ago
       *[other] { $n } minutes ago
    }
time-hours-ago = { $n ->
        [one] 1 hour ago
       *[other] { $n } hours ago
    }
time-days-ago = { $n ->
        [one] yesterday
       *[other] { $n } days ago
    }
time-minutes-from-now = { $n ->
        [one] in 1 minute
       *[other] in { $n } minutes
    }
time-hours-from-now = { $n ->
        [one] in 1 hour
       *[other] in { $n } hours
    }
time-days-from-now = { $n ->
        [one] tomorrow
       *[other] in { $n } days
    }
