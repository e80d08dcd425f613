# Les pages propres à la démo (accueil, inscription, page protégée, boîte d’envoi, erreurs)
# et leur mise en page. La mise en page utilise aussi les messages common-* d’otpkit.

## Mise en page
demo-nav-protected = Page protégée
demo-nav-outbox = Boîte d’envoi
demo-nav-signup = S’inscrire
demo-badge-verified = vérifiée
demo-footer = Démo otpkit. Les sessions sont conservées (dans sa base de données ou dans Redis) : redémarrer le serveur ne déconnecte personne.
demo-devmode = Mode développement :
demo-devmode-banner = les codes par e-mail ne sont pas envoyés. Lisez-les dans la boîte d’envoi ou sur la console du serveur ; définissez OTPKIT_SMTP_URL pour les envoyer.
demo-devmode-open-outbox = Ouvrir la boîte d’envoi

## Titres des pages
demo-title-home = Accueil
demo-title-signup = S’inscrire
demo-title-protected = Page protégée
demo-title-outbox = Boîte d’envoi
demo-title-not-found = Page introuvable
demo-title-error = Un problème est survenu
demo-title-expired = Page expirée

## Accueil
demo-home-heading = Démo otpkit
demo-state-anonymous = Vous n’êtes pas connecté.
demo-state-pending = Vous avez saisi votre mot de passe. Saisissez votre code de vérification pour terminer la connexion.
demo-state-authenticated = Vous êtes connecté en tant que { $user } avec votre mot de passe seulement : cette session n’est pas vérifiée par une deuxième étape.
demo-state-verified = Vous êtes connecté en tant que { $user }, et cette session est vérifiée avec « { $device } ».
demo-state-verified-at = Vérifiée :
demo-try = À essayer
demo-try-signup = S’inscrire
demo-try-signup-hint = avec un nom d’utilisateur et un mot de passe.
demo-try-sign-in = Se connecter
demo-try-sign-in-hint = si vous avez déjà un compte.
demo-try-finish = Terminer la connexion
demo-try-finish-hint = avec votre code de vérification.
demo-try-set-up = Configurer la validation en deux étapes
demo-try-set-up-hint = avec une application d’authentification, des codes par e-mail ou des codes de secours.
demo-try-verify = Vérifier cette session
demo-try-verify-hint = avec un code de vérification.
demo-try-protected = Ouvrir la page protégée
demo-try-protected-hint = seules les sessions vérifiées y accèdent.
demo-try-manage = Gérer la validation en deux étapes
demo-try-manage-hint = ajouter une application d’authentification ou des codes par e-mail, créer de nouveaux codes de secours, renommer ou supprimer une méthode.
demo-try-passkey-hint = se connecter d’un toucher ou avec le verrouillage d’écran au lieu d’un code ; impossible à hameçonner.
demo-try-again = Déconnectez-vous, puis reconnectez-vous avec votre mot de passe et un code de vérification ou un code de secours.
demo-try-admin = Ouvrir l’administration
demo-try-admin-hint = vous faites partie du personnel ; elle demande une session vérifiée.
demo-try-outbox = Lire la boîte d’envoi
demo-try-outbox-hint = en mode développement, les codes par e-mail ne sont pas envoyés.

## Inscription
demo-signup-username = Nom d’utilisateur
demo-signup-username-hint = Lettres, chiffres et @ . + - _
demo-signup-email = Adresse e-mail (facultative)
demo-signup-email-hint = Les codes par e-mail sont envoyés ici, sauf si vous choisissez une autre adresse.
demo-signup-password = Mot de passe
demo-signup-password-hint = Au moins 8 caractères.
demo-signup-password2 = Confirmez le mot de passe
demo-signup-submit = Créer le compte
demo-signup-have-account = Vous avez déjà un compte ?
demo-signup-signed-in = Vous êtes connecté en tant que { $user }. Déconnectez-vous pour créer un autre compte.
demo-signup-signed-in-refused = Vous êtes connecté. Déconnectez-vous pour créer un autre compte.
demo-signup-errors = Le compte n’a pas été créé :
demo-signup-passwords-differ = Les deux mots de passe sont différents.
demo-signup-exists = Un utilisateur avec ce nom d’utilisateur existe déjà.
demo-signup-username-length = { $max ->
       *[other] Le nom d’utilisateur doit comporter de 1 à { $max } caractères.
    }
demo-signup-username-chars = Le nom d’utilisateur ne peut contenir que des lettres, des chiffres et @ . + - _
demo-signup-password-short = { $min ->
        [one] Le mot de passe doit comporter au moins 1 caractère.
       *[other] Le mot de passe doit comporter au moins { $min } caractères.
    }
demo-signup-password-long = Le mot de passe doit comporter au plus { $max } octets.
demo-signup-email-invalid = Saisissez une adresse e-mail valide (nom@example.com) ou laissez le champ vide.
demo-signup-unreadable = Le formulaire d’inscription n’a pas pu être lu. Veuillez le remplir à nouveau.
demo-signup-failed = Le compte n’a pas pu être créé. Veuillez réessayer plus tard.

## Page protégée
demo-protected-welcome = Seules les sessions vérifiées accèdent à cette page. Bienvenue, { $user } : « { $device } » a vérifié cette session.
demo-protected-how = Cette route est enveloppée dans otp_required() : un visiteur non connecté ou non vérifié est envoyé vers la page de connexion, puis revient ici.

## Boîte d’envoi
demo-outbox-note = Mode développement : ces e-mails n’ont pas été envoyés, car OTPKIT_SMTP_URL n’est pas défini. La démo garde ici les { $n } derniers, du plus récent au plus ancien, et les affiche sur la console du serveur. Quiconque peut ouvrir cette page peut lire tous les codes : n’exposez jamais le mode développement.
demo-outbox-date = Date
demo-outbox-from = De
demo-outbox-to = À
demo-outbox-subject = Objet
demo-outbox-empty = Aucun e-mail pour l’instant. Ajoutez des codes par e-mail dans les réglages de la validation en deux étapes, ou demandez un code par e-mail lors de la connexion.
demo-outbox-none = Il n’y a pas de boîte d’envoi : les e-mails sont envoyés par SMTP (OTPKIT_SMTP_URL).

## Erreurs
demo-not-found = Il n’y a aucune page à cette adresse.
demo-expired = Cette page a expiré. Veuillez réessayer.
demo-back-home = Retour à l’accueil
demo-recent-link = Une page qui demande une confirmation récente
demo-recent-welcome = Vous avez confirmé votre identité il y a { $secs } secondes.
demo-recent-how = Cette route est protégée par step_up().max_age(60) : une confirmation de plus de 60 secondes est redemandée, puis vous revenez ici.
