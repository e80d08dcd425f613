code-email-subject = Dein Bestätigungscode
code-email-text = Dein Bestätigungscode lautet { $token }. Wenn du ihn nicht angefordert hast, kennt vielleicht jemand dein Passwort: Bitte ändere es.
