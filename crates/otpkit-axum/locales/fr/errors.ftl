# Messages des codes d’erreur stables (docs/behaviour.md §7.4).
error-token_required = Saisissez votre code de vérification.
error-challenge_exception = Nous n’avons pas pu vous envoyer de code. Réessayez dans un instant.
error-not_interactive = Cette méthode ne peut pas vous envoyer de code. Saisissez un code de votre application d’authentification ou un code de secours.
error-challenge_message = Nous vous avons envoyé un code. Saisissez-le ci-dessous.
error-invalid_token = Ce code n’est pas valide. Vérifiez-le et réessayez, ou utilisez le code le plus récent.
error-n_failed_attempts = Trop de codes erronés. Réessayez dans { $n ->
        [one] 1 seconde
       *[other] { $n } secondes
    }.
error-verification_not_allowed = Vous ne pouvez pas utiliser cette méthode pour le moment. Utilisez-en une autre.
error-device_required = Choisissez comment confirmer qu’il s’agit bien de vous.
error-device_locked = Cette méthode est bloquée après trop de codes erronés. Utilisez une autre méthode ou demandez à un administrateur de la débloquer.
error-challenge_cooldown = Attendez { $n ->
        [one] 1 seconde
       *[other] { $n } secondes
    } avant de demander un nouveau code.
error-no_device = La validation en deux étapes est obligatoire, mais aucune méthode n’est encore configurée pour votre compte.
error-invalid_login = Le nom d’utilisateur ou le mot de passe est incorrect. Les deux tiennent compte des majuscules et minuscules.
error-login_expired = Votre connexion a pris trop de temps. Veuillez vous reconnecter.
error-otp_required = Confirmez qu’il s’agit bien de vous avec un code de vérification.
error-reauth_required = Confirmez qu’il s’agit bien de vous avec un code de vérification pour continuer.
error-csrf_failed = Cette page a expiré. Veuillez réessayer.
error-bad_request = La requête n’a pas pu être comprise.
error-internal_error = La connexion est impossible pour le moment. Réessayez plus tard.
error-payload_too_large = La requête est trop volumineuse.
error-not_found = Cette méthode est introuvable.
error-forbidden = Vous n’êtes pas autorisé à voir cette page.
error-unlock_not_allowed = Vous ne pouvez débloquer cette méthode qu’après avoir confirmé votre identité avec une autre.
error-kind_unavailable = Les codes par e-mail ne sont pas disponibles sur ce site.
error-step_up_required = Confirmez à nouveau qu’il s’agit bien de vous pour continuer.
error-enrolment_required = Ce site exige la validation en deux étapes pour votre compte. Configurez une méthode pour continuer.
