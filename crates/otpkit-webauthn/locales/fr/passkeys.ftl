# Passkeys et clés de sécurité (partie web d'otpkit-webauthn).
passkey-use = Utiliser votre clé de sécurité ou votre passkey
passkey-verify-title = Se connecter avec votre clé de sécurité
passkey-verify-hint = Appuyez sur le bouton, puis touchez votre clé de sécurité ou confirmez avec le verrouillage d'écran de votre appareil.
passkey-other-method = Utiliser une autre méthode
passkey-new-title = Ajouter une clé de sécurité ou une passkey
passkey-new-intro = Une clé de sécurité ou une passkey vous connecte d'un toucher, d'une empreinte digitale ou avec le verrouillage d'écran de votre appareil. Elle ne peut pas être hameçonnée.
passkey-name-label = Nom
passkey-name-hint = Pour distinguer vos clés, par exemple « Clé bleue ». Laissez vide pour utiliser le modèle de la clé.
passkey-new-button = L'ajouter
passkey-error = Cela n'a pas fonctionné. Veuillez réessayer ou utiliser une autre méthode.
passkey-needs-script = Cette étape nécessite JavaScript dans votre navigateur.
passkey-default-name = Passkey
# Connexion sans mot de passe (quand le site l'autorise).
passkey-sign-in-link = Se connecter avec une passkey
passkey-sign-in-title = Se connecter avec une passkey
passkey-sign-in-hint = Appuyez sur le bouton, choisissez votre passkey et confirmez avec votre empreinte, votre visage ou le verrouillage de l’écran. Aucun mot de passe nécessaire.
passkey-sign-in-button = Se connecter avec une passkey
passkey-sign-in-password = Se connecter plutôt avec le mot de passe
passkey-sign-in-needs-fallback = Votre compte n’a encore aucun autre moyen de connexion. Connectez-vous avec votre mot de passe, puis ajoutez une application d’authentification ou des codes de secours.
