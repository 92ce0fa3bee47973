# The public site's words in English. Every message here exists in every other language file
# (a test checks). Plain, friendly text: these pages must read like any small hobby website.

## Shared by every theme

language-name = English
nav-label = Main menu
skip-to-content = Skip to the content
nav-home = Home
nav-about = About
nav-privacy = Privacy
languages = Read this site in
not-found-title = Page not found
not-found-text = This page is not here. It may have moved, or the address may have a typo.
not-found-home = Go to the home page
list-recipes = Recipes
list-weather = Guides
list-flashcards = Word decks
privacy-title = Privacy
privacy-p1 = This site has no accounts, no cookies, no advertising and no tracking. Pages load nothing from other websites.
privacy-p2 = We do not keep a record of who visits, and we do not sell or share anything about our readers.
about-title = About this site

## Recipes

recipes-name = Pantry Notes
recipes-tagline = Simple meals from what is already in the cupboard.
recipes-intro = Cheap, filling recipes that need one pot and about half an hour. Every recipe is tested in a small kitchen.
recipes-list-heading = You will need
recipes-about-p1 = Pantry Notes is a small collection of everyday recipes, written by home cooks for home cooks.
recipes-about-p2 = New recipes appear when we have cooked them enough times to be sure of them.
recipes-red-lentil-soup = Red lentil soup
    .summary = A warm, thick soup ready in thirty minutes.
    .p1 = Soften the onion in a little oil, add the garlic and spices, then the lentils and water.
    .p2 = Simmer for twenty minutes, stirring now and then, until the lentils fall apart. Add lemon and salt to taste.
    .li1 = 1 cup of red lentils
    .li2 = 1 onion and 2 cloves of garlic
    .li3 = 1 teaspoon of cumin
    .li4 = 4 cups of water
    .li5 = Half a lemon
recipes-fried-rice = Vegetable fried rice
    .summary = The best use for yesterday's rice.
    .p1 = Heat the pan until it is very hot. Fry the vegetables quickly, then push them to one side.
    .p2 = Scramble the eggs in the empty side, add the cold rice and soy sauce, and toss everything together.
    .li1 = 2 cups of cooked, cold rice
    .li2 = 2 eggs
    .li3 = A handful of peas and carrots
    .li4 = 1 tablespoon of soy sauce
recipes-banana-pancakes = Banana oat pancakes
    .summary = Three ingredients, no flour, ready before the kettle boils twice.
    .p1 = Mash the banana, then mix in the eggs and oats until you have a thick batter.
    .p2 = Cook small spoonfuls in a lightly oiled pan for two minutes on each side.
    .li1 = 1 ripe banana
    .li2 = 2 eggs
    .li3 = Half a cup of oats

## Weather

weather-name = Fair Sky Guide
weather-tagline = Understand the sky before you step outside.
weather-intro = Short guides to reading forecasts and dressing for the day, whatever the season brings.
weather-list-heading = Remember
weather-about-p1 = Fair Sky Guide explains weather in everyday words, for people who just want to know whether to take an umbrella.
weather-about-p2 = Our guides are general advice. For warnings in your area, follow your local weather service.
weather-reading-a-forecast = How to read a forecast
    .summary = What the numbers and symbols really mean.
    .p1 = A chance of rain of 40 percent means that on days like this one, it rains on about four in ten.
    .p2 = Wind makes the air feel colder than the thermometer says, so look at the "feels like" number too.
    .li1 = Check the forecast in the morning and again at noon
    .li2 = Look at the hourly view, not only the daily one
    .li3 = Forecasts for tomorrow are more reliable than for next week
weather-cold-days = Dressing for cold days
    .summary = Stay warm without carrying a wardrobe.
    .p1 = Several thin layers keep you warmer than one thick coat, and you can take one off indoors.
    .p2 = Most warmth is lost from the head, hands and feet: a hat, gloves and dry socks matter most.
    .li1 = A base layer that keeps skin dry
    .li2 = A warm middle layer
    .li3 = A top layer that stops wind and rain
weather-summer-storms = Summer storms
    .summary = Why hot afternoons turn stormy, and what to do.
    .p1 = On hot, humid days, warm air rises fast and builds tall clouds by the afternoon.
    .p2 = If you hear thunder, go indoors and wait thirty minutes after the last rumble before going out again.
    .li1 = Dark, towering clouds mean a storm may be near
    .li2 = Stay away from open fields and tall trees
    .li3 = Keep a phone charger and a torch at home

## Flashcards

flashcards-name = Word Garden
flashcards-tagline = A few new English words every day.
flashcards-intro = Small decks of everyday English words. Read a card, say the word aloud, and come back tomorrow.
flashcards-list-heading = Cards in this deck
flashcards-about-p1 = Word Garden helps learners build their English vocabulary a little at a time.
flashcards-about-p2 = Each deck has a handful of words you can use the same day.
flashcards-greetings = Greetings
    .summary = Words for saying hello and goodbye.
    .p1 = Start with the words you will use most often.
    .p2 = Practise each one out loud, then try it with someone today.
    .li1 = hello — a friendly greeting
    .li2 = good morning — a greeting before noon
    .li3 = thank you — what you say when someone helps you
    .li4 = see you tomorrow — a goodbye before meeting again
flashcards-at-the-market = At the market
    .summary = Words for buying food.
    .p1 = These words help when you shop for fruit and vegetables.
    .p2 = Point to the item and say its name: sellers are used to learners.
    .li1 = how much — a question about the price
    .li2 = a kilo — one thousand grams
    .li3 = fresh — picked or made recently
    .li4 = change — the money you get back
flashcards-around-town = Around town
    .summary = Words for finding your way.
    .p1 = Use these words when you ask for directions.
    .p2 = Most people are happy to point the way if you ask slowly.
    .li1 = bus stop — where the bus picks people up
    .li2 = left and right — two directions
    .li3 = pharmacy — a shop that sells medicine
    .li4 = library — a place to borrow books

## The search box and the web entry it opens
search-label = Search this site
search-button = Search
search-none = Nothing found. Try another word.
entry-exit = Exit this page
entry-heading = Help, when you want it
entry-intro = Here you can find services that can help, and write to someone who will listen. You do not have to give your name.
entry-exit-hint = To leave quickly, use the Exit button, or press Esc twice, or Shift three times.
entry-talk = Talk to someone
entry-cards = Services that can help
entry-card-search = Search the services
entry-no-cards = No service matches these words.
entry-always-open = Open day and night
entry-before-contact = Good to know before you contact them
entry-phone = Phone
entry-sms = Text message
entry-web = Website
entry-address = Address
entry-talk-intro = Write in your language. A worker reads it and answers here. What you write is locked so that only the workers can read it.
entry-language = Language you want to write in
entry-topic = What it is about (you can skip this)
entry-topic-none = I would rather not say
entry-message = Your message
entry-send = Send
entry-codename-heading = Your codename
entry-codename-advice = Remember these words, or write them where nobody else will look. With them you can come back, from any phone or computer, to read the answer. They are shown only once and we cannot find them for you.
entry-codename-kept = I have kept my codename
entry-return-heading = Did you write to us before?
entry-codename = Your codename
entry-continue = Continue
entry-return-none = Nothing was found for these words. Check them and try again.
entry-thread-heading = Your conversation
entry-delete = Delete this conversation and leave
entry-working = Please wait…
entry-sent = Sent.
entry-waiting = Sent. Someone will read it soon and answer here.
entry-failed = That did not work. Please try again.
entry-you = You
entry-them = Worker
entry-closed = This conversation has ended.
