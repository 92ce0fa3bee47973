## Para sa lahat ng tema

language-name = Tagalog
nav-label = Pangunahing menu
skip-to-content = Lumaktaw sa nilalaman
nav-home = Simula
nav-about = Tungkol dito
nav-privacy = Privacy
languages = Basahin ang site na ito sa
not-found-title = Hindi makita ang pahina
not-found-text = Wala rito ang pahinang ito. Maaaring inilipat ito, o may mali sa address.
not-found-home = Pumunta sa unang pahina
list-recipes = Mga resipe
list-weather = Mga gabay
list-flashcards = Mga deck ng salita
privacy-title = Privacy
privacy-p1 = Walang account, cookie, patalastas o pagsubaybay ang site na ito. Walang kinukuha ang mga pahina mula sa ibang website.
privacy-p2 = Hindi namin itinatala kung sino ang bumibisita, at wala kaming ibinebenta o ibinabahagi tungkol sa aming mga mambabasa.
about-title = Tungkol sa site na ito

## Mga resipe

recipes-name = Tala ng Paminggalan
recipes-tagline = Simpleng ulam mula sa kung ano ang nasa paminggalan.
recipes-intro = Murang at nakabubusog na mga resipe, sa isang kaldero at mga kalahating oras. Sinubukan ang bawat resipe sa isang maliit na kusina.
recipes-list-heading = Kakailanganin mo
recipes-about-p1 = Ang Tala ng Paminggalan ay maliit na koleksiyon ng mga pang-araw-araw na resipe, isinulat ng mga nagluluto sa bahay para sa mga nagluluto sa bahay.
recipes-about-p2 = Naglalagay kami ng bagong resipe kapag ilang beses na namin itong naluto at sigurado na kami.
recipes-red-lentil-soup = Sopas na pulang lentehas
    .summary = Mainit at malapot na sopas, handa sa loob ng tatlumpung minuto.
    .p1 = Igisa ang sibuyas sa kaunting mantika, idagdag ang bawang at pampalasa, saka ang lentehas at tubig.
    .p2 = Pakuluan nang mahina nang dalawampung minuto, haluin paminsan-minsan, hanggang madurog ang lentehas. Lagyan ng kalamansi o lemon at asin ayon sa panlasa.
    .li1 = 1 tasang pulang lentehas
    .li2 = 1 sibuyas at 2 butil ng bawang
    .li3 = 1 kutsaritang cumin
    .li4 = 4 na tasang tubig
    .li5 = Kalahating lemon
recipes-fried-rice = Sinangag na may gulay
    .summary = Ang pinakamagandang gamit ng kanin kahapon.
    .p1 = Painitin nang husto ang kawali. Igisa nang mabilis ang gulay, saka itabi sa isang gilid.
    .p2 = Batihin ang itlog sa bakanteng gilid, idagdag ang malamig na kanin at toyo, at haluing lahat.
    .li1 = 2 tasang luto at malamig na kanin
    .li2 = 2 itlog
    .li3 = Isang dakot na gisantes at karot
    .li4 = 1 kutsarang toyo
recipes-banana-pancakes = Pancake na saging at oats
    .summary = Tatlong sangkap, walang harina, handa sa ilang minuto.
    .p1 = Durugin ang saging, saka ihalo ang itlog at oats hanggang lumapot.
    .p2 = Lutuin ang maliliit na kutsara nito sa kawaling may kaunting mantika, dalawang minuto bawat panig.
    .li1 = 1 hinog na saging
    .li2 = 2 itlog
    .li3 = Kalahating tasang oats

## Panahon

weather-name = Gabay sa Magandang Panahon
weather-tagline = Unawain ang langit bago lumabas.
weather-intro = Maiikling gabay sa pagbasa ng taya ng panahon at sa pagbibihis para sa araw, anuman ang panahon.
weather-list-heading = Tandaan
weather-about-p1 = Ipinaliliwanag ng Gabay sa Magandang Panahon ang panahon sa simpleng salita, para sa gustong malaman kung magdadala ng payong.
weather-about-p2 = Pangkalahatang payo ang aming mga gabay. Para sa mga babala sa inyong lugar, sundin ang lokal na serbisyo ng panahon.
weather-reading-a-forecast = Paano basahin ang taya ng panahon
    .summary = Ano talaga ang ibig sabihin ng mga numero at simbolo.
    .p1 = Ang 40 porsiyentong tsansa ng ulan ay nangangahulugang sa mga araw na tulad nito, umuulan sa mga apat sa sampu.
    .p2 = Pinalalamig ng hangin ang pakiramdam kaysa sa sinasabi ng termometro, kaya tingnan din ang "parang" na temperatura.
    .li1 = Tingnan ang taya sa umaga at muli sa tanghali
    .li2 = Tingnan ang bawat oras, hindi lang ang buong araw
    .li3 = Mas maaasahan ang taya para bukas kaysa sa susunod na linggo
weather-cold-days = Pagbibihis sa malamig na araw
    .summary = Manatiling mainit nang hindi dala ang buong aparador.
    .p1 = Mas mainit ang ilang manipis na patong kaysa isang makapal na dyaket, at maaari kang mag-alis ng isa sa loob.
    .p2 = Kadalasang nawawala ang init sa ulo, kamay at paa: pinakamahalaga ang sombrero, guwantes at tuyong medyas.
    .li1 = Unang patong na nagpapanatiling tuyo ang balat
    .li2 = Mainit na gitnang patong
    .li3 = Panlabas na patong laban sa hangin at ulan
weather-summer-storms = Mga bagyo sa tag-init
    .summary = Bakit nagiging maunos ang mainit na hapon, at ano ang gagawin.
    .p1 = Sa mainit at maalinsangang araw, mabilis umakyat ang mainit na hangin at bumubuo ng matataas na ulap pagdating ng hapon.
    .p2 = Kapag may kulog, pumasok sa loob at maghintay ng tatlumpung minuto pagkatapos ng huling kulog bago lumabas muli.
    .li1 = Ang maiitim at matataas na ulap ay tanda ng malapit na bagyo
    .li2 = Lumayo sa bukas na bukid at matataas na puno
    .li3 = Magtabi ng charger ng telepono at flashlight sa bahay

## Flashcards

flashcards-name = Hardin ng Salita
flashcards-tagline = Ilang bagong salitang Ingles bawat araw.
flashcards-intro = Maliliit na deck ng pang-araw-araw na salitang Ingles. Basahin ang card, bigkasin nang malakas ang salita, at bumalik bukas.
flashcards-list-heading = Mga card sa deck na ito
flashcards-about-p1 = Tinutulungan ng Hardin ng Salita ang mga nag-aaral na palawakin ang kanilang bokabularyo sa Ingles nang paunti-unti.
flashcards-about-p2 = May ilang salita ang bawat deck na magagamit mo sa araw ding iyon.
flashcards-greetings = Mga pagbati
    .summary = Mga salita para bumati at magpaalam.
    .p1 = Magsimula sa mga salitang pinakamadalas mong gagamitin.
    .p2 = Sanayin nang malakas ang bawat isa, saka subukan sa isang tao ngayong araw.
    .li1 = hello — kumusta, isang magiliw na pagbati
    .li2 = good morning — magandang umaga
    .li3 = thank you — salamat
    .li4 = see you tomorrow — kita tayo bukas
flashcards-at-the-market = Sa palengke
    .summary = Mga salita sa pagbili ng pagkain.
    .p1 = Nakatutulong ang mga salitang ito sa pamimili ng prutas at gulay.
    .p2 = Ituro ang paninda at sabihin ang pangalan nito: sanay ang mga tindero sa mga nag-aaral.
    .li1 = how much — magkano
    .li2 = a kilo — isang kilo, sanlibong gramo
    .li3 = fresh — sariwa
    .li4 = change — sukli
flashcards-around-town = Sa bayan
    .summary = Mga salita sa paghahanap ng daan.
    .p1 = Gamitin ang mga salitang ito kapag nagtatanong ng direksiyon.
    .p2 = Karamihan ay masayang magtuturo ng daan kung dahan-dahan kang magtatanong.
    .li1 = bus stop — hintayan ng bus
    .li2 = left and right — kaliwa at kanan
    .li3 = pharmacy — botika
    .li4 = library — aklatan
