# E-mails de segurança (otpkit_axum::security_mail).

security-email-method-totp = aplicação de autenticação
security-email-method-hotp = token físico
security-email-method-email = códigos por e-mail
security-email-method-static = códigos de recuperação
security-email-method-other = dispositivo de segurança

security-email-added-subject = { $site }: foi adicionado um método de início de sessão à sua conta
security-email-added-body = Este método de início de sessão foi adicionado à sua conta: { $method }.
security-email-removed-subject = { $site }: foi removido um método de início de sessão da sua conta
security-email-removed-body = Este método de início de sessão foi removido da sua conta: { $method }.
security-email-regenerated-subject = { $site }: foram gerados novos códigos de recuperação
security-email-regenerated-body = Foram gerados novos códigos de recuperação para a sua conta. Os seus códigos de recuperação anteriores deixaram de funcionar.
security-email-device-locked-subject = { $site }: um método de início de sessão foi bloqueado
security-email-device-locked-body = Após demasiados códigos errados, este método de início de sessão da sua conta está bloqueado: { $method }. Não aceita nenhum código até que o desbloqueie a partir de outro método na sua lista de dispositivos ou até que um administrador o desbloqueie.
security-email-account-locked-subject = { $site }: o início de sessão em dois passos da sua conta está bloqueado
security-email-account-locked-body = Após demasiados códigos errados, a sua conta deixou de aceitar qualquer código de autenticação. Um administrador tem de a desbloquear.

security-email-greeting = Olá,
security-email-when = Quando: { $when }
security-email-change-advice = Se foi você, não precisa de fazer nada.
security-email-lock-advice = Se se enganou ao escrever os seus códigos, é esse o motivo.
security-email-not-you = Se não foi você, inicie sessão agora, verifique os seus métodos de início de sessão e altere a sua palavra-passe. Se não conseguir iniciar sessão, contacte o administrador do site.
security-email-locked-not-you = Se não foi você, alguém que conhece a sua palavra-passe está a tentar iniciar sessão: altere já a sua palavra-passe e contacte o administrador do site.
security-email-footer = Este é um aviso de segurança automático de { $site }.
