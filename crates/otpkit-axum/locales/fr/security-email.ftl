# E-mails de sécurité (otpkit_axum::security_mail).

security-email-method-totp = application d’authentification
security-email-method-hotp = jeton matériel
security-email-method-email = codes par e-mail
security-email-method-static = codes de secours
security-email-method-other = dispositif de sécurité

security-email-added-subject = { $site } : une méthode de connexion a été ajoutée à votre compte
security-email-added-body = Cette méthode de connexion a été ajoutée à votre compte : { $method }.
security-email-removed-subject = { $site } : une méthode de connexion a été supprimée de votre compte
security-email-removed-body = Cette méthode de connexion a été supprimée de votre compte : { $method }.
security-email-regenerated-subject = { $site } : de nouveaux codes de secours ont été générés
security-email-regenerated-body = De nouveaux codes de secours ont été générés pour votre compte. Vos anciens codes de secours ne fonctionnent plus.
security-email-device-locked-subject = { $site } : une méthode de connexion a été bloquée
security-email-device-locked-body = Après trop de codes erronés, cette méthode de connexion de votre compte est bloquée : { $method }. Elle n’accepte plus aucun code tant que vous ne la débloquez pas depuis une autre méthode dans votre liste d’appareils ou qu’un administrateur ne la débloque pas.
security-email-account-locked-subject = { $site } : la connexion en deux étapes de votre compte est bloquée
security-email-account-locked-body = Après trop de codes erronés, votre compte n’accepte plus aucun code d’authentification. Un administrateur doit le débloquer.

security-email-greeting = Bonjour,
security-email-when = Date : { $when }
security-email-change-advice = Si c’était vous, vous n’avez rien à faire.
security-email-lock-advice = Si vous vous êtes trompé en saisissant vos codes, voici pourquoi.
security-email-not-you = Si ce n’était pas vous, connectez-vous maintenant, vérifiez vos méthodes de connexion et changez votre mot de passe. Si vous ne pouvez pas vous connecter, contactez l’administrateur du site.
security-email-locked-not-you = Si ce n’était pas vous, quelqu’un qui connaît votre mot de passe essaie de se connecter : changez votre mot de passe dès maintenant et contactez l’administrateur du site.
security-email-footer = Ceci est un avis de sécurité automatique de { $site }.
