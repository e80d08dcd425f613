# Passkeys e chaves de segurança (parte web do otpkit-webauthn).
passkey-use = Usar a sua chave de segurança ou passkey
passkey-verify-title = Entrar com a sua chave de segurança
passkey-verify-hint = Prima o botão e depois toque na sua chave de segurança ou confirme com o bloqueio de ecrã do seu dispositivo.
passkey-other-method = Usar outro método
passkey-new-title = Adicionar uma chave de segurança ou passkey
passkey-new-intro = Uma chave de segurança ou passkey permite entrar com um toque, uma impressão digital ou o bloqueio de ecrã do seu dispositivo. Não pode ser alvo de phishing.
passkey-name-label = Nome
passkey-name-hint = Para distinguir as suas chaves, por exemplo «Chave azul». Deixe vazio para usar o modelo da chave.
passkey-new-button = Adicionar
passkey-error = Não resultou. Tente novamente ou use outro método.
passkey-needs-script = Este passo precisa de JavaScript no seu navegador.
passkey-default-name = Passkey
# Início de sessão sem palavra-passe (quando o site o permite).
passkey-sign-in-link = Iniciar sessão com uma passkey
passkey-sign-in-title = Iniciar sessão com uma passkey
passkey-sign-in-hint = Prima o botão, escolha a sua passkey e confirme com a impressão digital, o rosto ou o bloqueio de ecrã. Não precisa de palavra-passe.
passkey-sign-in-button = Iniciar sessão com uma passkey
passkey-sign-in-password = Iniciar sessão com a palavra-passe
passkey-sign-in-needs-fallback = A sua conta ainda não tem outra forma de iniciar sessão. Inicie sessão com a palavra-passe e adicione uma aplicação de autenticação ou códigos de recuperação.
