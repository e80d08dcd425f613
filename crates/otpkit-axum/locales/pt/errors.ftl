# Mensagens dos códigos de erro estáveis (docs/behaviour.md §7.4).
error-token_required = Introduza o seu código de verificação.
error-challenge_exception = Não foi possível enviar-lhe um código. Tente novamente daqui a pouco.
error-not_interactive = Este método não pode enviar-lhe um código. Introduza um código da sua aplicação de autenticação ou um código de recuperação.
error-challenge_message = Enviámos-lhe um código. Introduza-o abaixo.
error-invalid_token = Esse código não é válido. Verifique-o e tente novamente, ou use o código mais recente.
error-n_failed_attempts = Demasiados códigos errados. Tente novamente dentro de { $n ->
        [one] 1 segundo
       *[other] { $n } segundos
    }.
error-verification_not_allowed = Não pode usar este método neste momento. Use outro.
error-device_required = Escolha como quer confirmar que é você.
error-device_locked = Este método está bloqueado após demasiados códigos errados. Use outro método ou peça a um administrador que o desbloqueie.
error-challenge_cooldown = Aguarde { $n ->
        [one] 1 segundo
       *[other] { $n } segundos
    } antes de pedir outro código.
error-no_device = A verificação em dois passos é obrigatória, mas a sua conta ainda não tem nenhum método configurado.
error-invalid_login = O nome de utilizador ou a palavra-passe não estão corretos. Ambos distinguem maiúsculas de minúsculas.
error-login_expired = O seu início de sessão demorou demasiado. Inicie sessão novamente.
error-otp_required = Confirme que é você com um código de verificação.
error-reauth_required = Confirme que é você com um código de verificação para continuar.
error-csrf_failed = Esta página expirou. Tente novamente.
error-bad_request = Não foi possível compreender o pedido.
error-internal_error = Não é possível iniciar sessão neste momento. Tente novamente mais tarde.
error-payload_too_large = O pedido é demasiado grande.
error-not_found = Esse método não foi encontrado.
error-forbidden = Não tem permissão para ver esta página.
error-unlock_not_allowed = Só pode desbloquear este método depois de confirmar que é você com outro.
error-kind_unavailable = Os códigos por e-mail não estão disponíveis neste site.
error-step_up_required = Confirme novamente que é você para continuar.
error-enrolment_required = Este site exige a verificação em dois passos para a sua conta. Configure um método para continuar.
