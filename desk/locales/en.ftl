# The desk's words in English. Every message here exists in every other language file (a test
# checks). Workers read these: plain, calm, and never anything a seeker typed.

desk-name = Quietline desk
skip-to-content = Skip to the content
notify-waiting = Someone is waiting at the desk
allow-notifications = Allow desktop notifications
lock = Lock
signed-in-as = Signed in as { $handle }

setup-title = Set up this desk
setup-intro = Your administrator gave you an invite code. Choose a handle your colleagues will see and a passphrase: it unlocks this desk and encrypts what it keeps on this computer.
setup-server = Server address
setup-code = Invite code
setup-handle = Handle
setup-handle-hint = 3 to 32 lowercase letters, digits, dots, dashes or underscores.
setup-languages = Languages you work in
setup-languages-hint = Language codes separated by commas, the one you prefer first, for example tl, en.
setup-passphrase = Passphrase
setup-passphrase-hint = At least 12 characters. Nobody can recover it for you.
setup-submit = Set up the desk

unlock-title = Unlock the desk
unlock-intro = The desk locks itself when it is not used for a while. Enter your passphrase to go on.
unlock-passphrase = Passphrase
unlock-submit = Unlock

home-title = Desk
availability = Availability
availability-legend = Take new conversations
available = Available
away = Away
max-active = At most this many conversations at once (empty for no limit)
save = Save
availability-away = You are away: no new conversations come to you.
availability-on = { $active ->
    [0] You are available, in no conversation now.
    [one] You are available, in one conversation.
   *[other] You are available, in { $active } conversations.
}
availability-on-limit = You are available, in { $active } of at most { $max } conversations.

queue = Waiting
queue-empty = Nobody is waiting.
queue-caption = Waiting conversations, those in your languages first
col-language = Language
col-region = Region
col-topic = Topic
col-waiting = Waiting
col-action = Action
your-language = your language
not-your-language = not in your languages
claim = Claim
claim-label = Claim the conversation in { $languages }
waiting-minutes = { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
}

mine = Your conversations
mine-empty = You have no conversations.
conversation-number = Conversation { $number }

safety = Safety number
safety-changed = The safety number of this person changed: a new phone, or someone else. Ask them about it before you go on. Sending is stopped until you accept it.
safety-accept = I have checked: accept the new safety number
safety-compare = Compare safety numbers
safety-compare-help = Ask the person to read out the number their app shows. If it is the same, nobody is between you.
safety-none-yet = There is no number until the first message.
safety-from-a-page = This person writes from a web page, not the app: there is no safety number to compare, and their messages do not have all of the app's protections. Do not ask for details that would harm them if the page were watched.

messages = Messages
messages-none = No messages yet.
line-you = You
line-seeker = The person
write = Your message
send = Send
timer-now = Messages disappear: { $timer }
timer-none = never
timer-300 = after 5 minutes
timer-3600 = after 1 hour
timer-86400 = after 1 day
timer-604800 = after 1 week
timer-choose = Messages disappear
timer-set = Change the timer

replies = Canned replies
replies-none = Your organisation has no canned replies in this language.
replies-choose = Reply
replies-use = Use this reply
replies-send = Send this reply

cards = Resource cards
cards-none = No resource cards for this language and region.
cards-choose = Card
cards-share = Share the card

notes = Case notes
notes-who = Only your organisation's workers can read these. The person never sees them.
notes-none = No notes yet.
notes-write = New note
notes-save = Save the note
notes-unreadable = This note could not be opened on this device.
notes-by = { $handle }, { $time }

actions = Hand over or close
transfer = Transfer…
transfer-title = Transfer conversation { $number }
transfer-to = Hand the conversation to
transfer-colleague = { $handle } ({ $languages })
transfer-colleague-busy = { $handle } (away or full)
transfer-queue = Back to the queue
transfer-notes-hint = Your case notes go with the conversation: whoever takes over can read them.
transfer-submit = Transfer
cancel = Cancel
refer-choose = Refer to
refer = Offer the referral
referral-pending = A referral to { $partner } is waiting for the person's answer.
close-outcome = Outcome
close = Close the conversation
outcome-information_given = Information given
outcome-referred = Referred
outcome-no_response = No response
outcome-safety_concern = Safety concern
outcome-other = Other

alert-waiting = Someone is waiting ({ $languages }).
alert-handed-to-you = Conversation { $number } was handed to you.
alert-moved = Conversation { $number } is now with { $handle }.
alert-referral-accepted = The person in conversation { $number } accepted the referral to { $partner }; the conversation has moved there.
alert-referral-declined = The person in conversation { $number } declined the referral to { $partner }; the conversation stays with you.
alert-requeued = Conversation { $number } is back in the queue.
alert-ended = Conversation { $number } has ended.
alert-unreadable = A message could not be read on this device.

error-unreachable = The server cannot be reached. Check the connection and try again.
error-already-enrolled = This desk is set up already.
error-no-state = This desk is not set up yet.
error-wrong-passphrase = That passphrase does not open this desk.
error-empty = There is nothing to send.
error-not-yours = That conversation is not one of yours any more.
safety-blocks-sending = Not sent: the safety number changed. Check it with the person, then accept it.
error-no-reply = That canned reply is not there any more.
error-placeholder = Fill in every field of the reply.
error-no-card = That card is not in the bundle any more.
error-no-partner = That organisation is not a partner.
error-choose = Choose whom to hand the conversation to.
cards-workers-only = For workers only (never shared with the person)
cards-confidential-address = Confidential address
cards-contact-person = Contact person

team = Who works on it
team-you-lead = You lead this conversation.
team-you-support = You support { $handle }, who leads this conversation.
team-none = Nobody supports it yet.
team-remove = Take out
team-remove-label = Take { $handle } out of this conversation
team-add = Add a supporting worker
team-add-submit = Add
team-leave = Stop supporting this conversation
handoff-hint = Before you hand over: ask the person whether you may pass on what they told you, so they need not tell it again.
handoff-ask = Ask the person about passing it on
handoff-asked = You asked the person; their answer will show here.
handoff-granted = The person said yes: write a summary when you hand the conversation to a colleague.
handoff-declined = The person said no: pass nothing on.
handoff-summary = What the next worker needs to know (the person said yes)
handoff-summary-hint = Only the colleague you choose can read it, and only once they have the conversation.
handoff-needs-colleague = A summary goes to a colleague: choose one rather than the queue.
handoff-summaries = Passed on with the person's yes
handoff-summary-from = From { $handle }, { $time }
alert-handoff-yes = The person in conversation { $number } said yes to passing on what they told you.
alert-handoff-no = The person in conversation { $number } said no to passing anything on.
alert-summary = { $handle } passed on what you need to know about conversation { $number }.
alert-new-phone = The person in conversation { $number } came back on a new phone: check their new safety number.
queue-callback = answer later
line-callback = Asks to be answered later, when it is safe:
