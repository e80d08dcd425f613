# La configuration guidée (paquet C) : choisir une méthode, la connecter, enregistrer les codes de secours, terminé.

## Étapes

setup-steps-label = Étapes de la configuration
setup-step-choose = Choisir une méthode
setup-step-connect = La connecter
setup-step-codes = Enregistrer les codes de secours
setup-step-done = Terminé

## Choisir une méthode

setup-choose-title-first = Activer la connexion en deux étapes
setup-choose-title = Ajouter une méthode de connexion
setup-choose-intro = Après votre mot de passe, vous saisirez aussi un code de la méthode choisie ici. Quelqu’un qui connaît votre mot de passe ne pourra toujours pas se connecter.
setup-method-totp = Application d’authentification
setup-recommended = Recommandé
setup-method-totp-hint = Utilisez une application comme Google Authenticator, Microsoft Authenticator ou 1Password. Elle affiche un nouveau code toutes les 30 secondes, même sans connexion.
setup-method-email = Codes par e-mail
setup-method-email-hint = Nous envoyons un code à votre adresse e-mail à chaque connexion. Toute personne qui peut lire vos e-mails peut l’utiliser.
setup-no-method = Aucune méthode de connexion ne peut être configurée ici. Veuillez contacter un administrateur.
setup-cancel = Annuler
setup-other-method = Choisir une autre méthode

## Application d’authentification

setup-totp-title = Configurer une application d’authentification
setup-totp-default-name = Application d’authentification
setup-totp-intro = Vous allez scanner un code QR avec une application d’authentification sur votre téléphone, puis saisir le code qu’elle affiche.
setup-name-label = Nom (facultatif)
setup-name-hint = Pour distinguer vos méthodes, par exemple « Téléphone pro ».
setup-continue = Continuer
setup-totp-scan-heading = 1. Scannez le code QR
setup-totp-scan = Ouvrez votre application d’authentification, ajoutez un compte et scannez ce code.
setup-totp-qr-label = Code QR à scanner avec votre application d’authentification
setup-totp-key-intro = Impossible de le scanner ? Saisissez plutôt cette clé dans l’application (basée sur le temps) :
setup-copy-key = Copier la clé
setup-key-copied = Clé copiée
setup-totp-show-uri = Afficher le lien de configuration
setup-totp-code-heading = 2. Saisissez le code de l’application
setup-code-label = Code de vérification
setup-totp-code-hint = Le code à { $digits } chiffres que l’application affiche pour ce compte.
setup-turn-on = Activer

## Codes par e-mail

setup-email-title = Configurer les codes par e-mail
setup-email-warning = L’e-mail est la méthode la moins sûre : toute personne qui peut lire vos e-mails peut se connecter avec.
setup-email-label = Adresse e-mail
setup-email-hint = Nous enverrons un code à cette adresse pour la vérifier.
setup-send-code = Envoyer un code
setup-email-code-label = Code reçu par e-mail
setup-email-code-hint = Le code de l’e-mail que nous venons de vous envoyer.
setup-resend = Envoyer un nouveau code

## Codes de secours

setup-codes-title = Enregistrez vos codes de secours
setup-codes-title-plain = Codes de secours
setup-codes-intro = Si vous perdez votre téléphone, vous pouvez vous connecter avec l’un de ces codes. Chaque code ne fonctionne qu’une fois. Conservez-les en lieu sûr, par exemple dans un gestionnaire de mots de passe ou sur papier. Ils ne sont affichés que maintenant.
setup-codes-download = Télécharger
setup-codes-print = Imprimer
setup-codes-copy = Copier
setup-codes-copied = Codes copiés
setup-codes-done = Terminé
setup-codes-shown = Vos codes de secours ont été affichés une fois, lors de leur création, et ne peuvent plus être affichés.
setup-codes-lost = Si vous ne les avez pas enregistrés, créez-en de nouveaux : les nouveaux codes remplacent les anciens, qui cessent de fonctionner.
setup-codes-make-new = Créer de nouveaux codes de secours
setup-back = Retour
setup-codes-unconfirmed = Veuillez confirmer que vous avez enregistré vos codes de secours.
setup-codes-saved = J’ai enregistré ces codes

## Terminé

setup-done-title = La connexion en deux étapes est activée
setup-done-named = « { $name } » est configuré.
setup-done-generic = Votre méthode de connexion est configurée.
setup-done-next-totp = À votre prochaine connexion, saisissez votre mot de passe puis un code de votre application d’authentification.
setup-done-next-email = À votre prochaine connexion, saisissez votre mot de passe puis un code reçu par e-mail.
setup-done-next-other = À votre prochaine connexion, saisissez votre mot de passe puis un code.
setup-lost-heading = Si vous perdez votre téléphone
setup-lost-backup = Connectez-vous avec l’un de vos codes de secours au lieu d’un code de l’application.
setup-lost-new-phone = Configurez ensuite ici votre nouveau téléphone et retirez l’ancien de vos méthodes de connexion.
setup-lost-admin = S’il ne vous reste aucun code de secours, demandez à un administrateur de réinitialiser votre connexion.
setup-done-continue = Continuer
setup-done-manage = Gérer vos méthodes de connexion
setup-grace-reminder = La validation en deux étapes sera obligatoire pour votre compte à partir du { $until }. Configurez-la maintenant, ou
setup-grace-later = continuez sans pour le moment
