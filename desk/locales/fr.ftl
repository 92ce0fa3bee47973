# Les mots du poste en français. Chaque message du fichier anglais existe ici (un test le vérifie).

desk-name = Poste Quietline
skip-to-content = Aller au contenu
notify-waiting = Quelqu’un attend au poste
allow-notifications = Autoriser les notifications
lock = Verrouiller
signed-in-as = Connecté·e : { $handle }

setup-title = Configurer ce poste
setup-intro = Votre administrateur vous a remis un code d’invitation. Choisissez un pseudonyme que verront vos collègues et une phrase secrète : elle déverrouille ce poste et chiffre ce qu’il garde sur cet ordinateur.
setup-server = Adresse du serveur
setup-code = Code d’invitation
setup-handle = Pseudonyme
setup-handle-hint = De 3 à 32 minuscules, chiffres, points, tirets ou soulignés.
setup-languages = Langues de travail
setup-languages-hint = Codes de langue séparés par des virgules, la préférée d’abord, par exemple fr, en.
setup-passphrase = Phrase secrète
setup-passphrase-hint = Au moins 12 caractères. Personne ne pourra la retrouver pour vous.
setup-submit = Configurer le poste

unlock-title = Déverrouiller le poste
unlock-intro = Le poste se verrouille quand il n’est pas utilisé pendant un moment. Saisissez votre phrase secrète pour continuer.
unlock-passphrase = Phrase secrète
unlock-submit = Déverrouiller

home-title = Poste
availability = Disponibilité
availability-legend = Prendre de nouvelles conversations
available = Disponible
away = Absent·e
max-active = Au plus ce nombre de conversations à la fois (vide : sans limite)
save = Enregistrer
availability-away = Vous êtes absent·e : aucune nouvelle conversation ne vous parvient.
availability-on = { $active ->
    [0] Vous êtes disponible, sans conversation en cours.
    [one] Vous êtes disponible, dans une conversation.
   *[other] Vous êtes disponible, dans { $active } conversations.
}
availability-on-limit = Vous êtes disponible, dans { $active } conversations sur { $max } au plus.

queue = En attente
queue-empty = Personne n’attend.
queue-caption = Conversations en attente, celles dans vos langues d’abord
col-language = Langue
col-region = Région
col-topic = Sujet
col-waiting = Attente
col-action = Action
your-language = votre langue
not-your-language = hors de vos langues
claim = Prendre
claim-label = Prendre la conversation en { $languages }
waiting-minutes = { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
}

mine = Vos conversations
mine-empty = Vous n’avez aucune conversation.
conversation-number = Conversation { $number }

safety = Numéro de sécurité
safety-changed = Le numéro de sécurité de cette personne a changé : un nouveau téléphone, ou quelqu’un d’autre. Demandez-lui avant de continuer. L’envoi est bloqué jusqu’à ce que vous l’acceptiez.
safety-accept = J’ai vérifié : accepter le nouveau numéro de sécurité
safety-compare = Comparer les numéros de sécurité
safety-compare-help = Demandez à la personne de lire le numéro affiché par son application. S’il est identique, personne ne s’interpose.
safety-none-yet = Il n’y a pas de numéro avant le premier message.
safety-from-a-page = Cette personne écrit depuis une page web, pas depuis l’application : il n’y a pas de numéro de sécurité à comparer, et ses messages n’ont pas toutes les protections de l’application. Ne demandez pas de détails qui lui nuiraient si la page était surveillée.

messages = Messages
messages-none = Aucun message pour l’instant.
line-you = Vous
line-seeker = La personne
write = Votre message
send = Envoyer
timer-now = Les messages disparaissent : { $timer }
timer-none = jamais
timer-300 = après 5 minutes
timer-3600 = après 1 heure
timer-86400 = après 1 jour
timer-604800 = après 1 semaine
timer-choose = Les messages disparaissent
timer-set = Changer la minuterie

replies = Réponses types
replies-none = Votre organisme n’a pas de réponse type dans cette langue.
replies-choose = Réponse
replies-use = Utiliser cette réponse
replies-send = Envoyer cette réponse

cards = Fiches ressources
cards-none = Aucune fiche pour cette langue et cette région.
cards-choose = Fiche
cards-share = Partager la fiche

notes = Notes de dossier
notes-who = Seuls les intervenant·es de votre organisme peuvent les lire. La personne ne les voit jamais.
notes-none = Aucune note pour l’instant.
notes-write = Nouvelle note
notes-save = Enregistrer la note
notes-unreadable = Cette note ne peut pas être ouverte sur cet appareil.
notes-by = { $handle }, { $time }

actions = Transférer ou clore
transfer = Transférer…
transfer-title = Transférer la conversation { $number }
transfer-to = Confier la conversation à
transfer-colleague = { $handle } ({ $languages })
transfer-colleague-busy = { $handle } (absent·e ou complet)
transfer-queue = Remettre en attente
transfer-notes-hint = Vos notes de dossier suivent la conversation : la personne qui reprend peut les lire.
transfer-submit = Transférer
cancel = Annuler
refer-choose = Orienter vers
refer = Proposer l’orientation
referral-pending = Une orientation vers { $partner } attend la réponse de la personne.
close-outcome = Issue
close = Clore la conversation
outcome-information_given = Information donnée
outcome-referred = Orientée
outcome-no_response = Sans réponse
outcome-safety_concern = Inquiétude pour la sécurité
outcome-other = Autre

alert-waiting = Quelqu’un attend ({ $languages }).
alert-handed-to-you = La conversation { $number } vous a été confiée.
alert-moved = La conversation { $number } est maintenant avec { $handle }.
alert-referral-accepted = La personne de la conversation { $number } a accepté l’orientation vers { $partner } ; la conversation y est passée.
alert-referral-declined = La personne de la conversation { $number } a refusé l’orientation vers { $partner } ; la conversation reste avec vous.
alert-requeued = La conversation { $number } est de retour en attente.
alert-ended = La conversation { $number } est terminée.
alert-unreadable = Un message n’a pas pu être lu sur cet appareil.

error-unreachable = Le serveur est injoignable. Vérifiez la connexion et réessayez.
error-already-enrolled = Ce poste est déjà configuré.
error-no-state = Ce poste n’est pas encore configuré.
error-wrong-passphrase = Cette phrase secrète n’ouvre pas ce poste.
error-empty = Il n’y a rien à envoyer.
error-not-yours = Cette conversation n’est plus l’une des vôtres.
safety-blocks-sending = Non envoyé : le numéro de sécurité a changé. Vérifiez-le avec la personne, puis acceptez-le.
error-no-reply = Cette réponse type n’existe plus.
error-placeholder = Remplissez chaque champ de la réponse.
error-no-card = Cette fiche n’est plus dans le lot.
error-no-partner = Cet organisme n’est pas partenaire.
error-choose = Choisissez à qui confier la conversation.
cards-workers-only = Pour les intervenant·es seulement (jamais transmis à la personne)
cards-confidential-address = Adresse confidentielle
cards-contact-person = Personne-ressource

team = Qui s'en occupe
team-you-lead = Vous menez cette conversation.
team-you-support = Vous soutenez { $handle }, qui mène cette conversation.
team-none = Personne ne la soutient encore.
team-remove = Retirer
team-remove-label = Retirer { $handle } de cette conversation
team-add = Ajouter une personne en soutien
team-add-submit = Ajouter
team-leave = Ne plus soutenir cette conversation
handoff-hint = Avant de passer la main : demandez à la personne si vous pouvez transmettre ce qu'elle vous a dit, pour qu'elle n'ait pas à le redire.
handoff-ask = Demander à la personne si vous pouvez transmettre
handoff-asked = Vous avez posé la question ; sa réponse s'affichera ici.
handoff-granted = La personne a dit oui : écrivez un résumé en confiant la conversation à un ou une collègue.
handoff-declined = La personne a dit non : ne transmettez rien.
handoff-summary = Ce que la personne suivante doit savoir (la personne a dit oui)
handoff-summary-hint = Seul·e le ou la collègue choisi·e peut le lire, et seulement une fois la conversation reçue.
handoff-needs-colleague = Un résumé va à un ou une collègue : choisissez quelqu'un plutôt que la file.
handoff-summaries = Transmis avec l'accord de la personne
handoff-summary-from = De { $handle }, { $time }
alert-handoff-yes = La personne de la conversation { $number } accepte que vous transmettiez ce qu'elle vous a dit.
alert-handoff-no = La personne de la conversation { $number } refuse que vous transmettiez quoi que ce soit.
alert-summary = { $handle } vous a transmis ce qu'il faut savoir sur la conversation { $number }.
alert-new-phone = La personne de la conversation { $number } revient sur un nouveau téléphone : vérifiez son nouveau numéro de sécurité.
queue-callback = répondre plus tard
line-callback = Demande qu'on lui réponde plus tard, quand c'est sans danger :
