"""Hand-written utterances, one block of lines per route, that train the route classifier."""

from __future__ import annotations

from graph.routes import Route

_BLOCKS: dict[Route, str] = {
    "recommendation": """
tell me about HPH-00001
how much is LAP-00004
what are the specs of the ZenBook
more details on MON-00002 please
does PHN-00005 have a good camera
do you sell cameras
do you have any gaming laptops?
what laptops have you got
I'm calling because I need advice on a new laptop
i'm looking for information about your best headphones
I need a laptop for coding under $1000
what headphones do you recommend?
can you suggest a good phone for taking photos
looking for a gift for my dad, he loves cooking
which is better, LAP-00012 or LAP-00034?
compare these two monitors for me
recommend me a tv under 500 dollars
best running headphones that dont fall out?
i want something like HPH-00021 but cheaper
show me gaming laptops
any good noise cancelling earbuds
suggest a budget tablet for my kid
I'd like a recommendation for a mechanical keyboard
help me choose between an ipad and a galaxy tab
which camera should i buy for vlogging
laptop for college cheap
wat phone shud i get
recomend a good speaker for parties
lookin for a decent webcam for meetings
what do you have in monitors for around $300
what's your best selling smartwatch
are there alternatives to the one I was looking at
show me similar products
something light for travel, maybe a 13 inch laptop
I'm after a present under 50 bucks
what would you suggest for a beginner photographer
help me find a laptop with 16gb ram and a good screen
which earbuds are best for the gym
top rated wireless speakers
give me some options for a 4k monitor
what's the difference between the Pixel and the Galaxy
is the pro model worth the extra $200 over the standard one
i'm shopping for a new phone, what do you recommend
suggestions for a tablet my grandma can use
I need a laptop for video editing, budget about 1500
best value headphones right now
product recommendations please
recommendations
what should i buy
anything good for a gamer?
help me pick a keyboard that is quiet for the office
which e-reader tablet is best for reading at night
want to upgrade my phone, whats good at the moment
can you compare LAP-00003 and LAP-00007
pros and cons of the Studio vs the Quiet headphones
show me laptops for programming
i need a good laptop 4 coding
needa new monitor for my desk setup
what accessories go with the camera I just bought
cheapest laptop you sell that can handle python and docker
I'd love some advice on which headphones to get
what kind of monitor should i get for photo editing
i'm looking for a present for my wife, she likes running
which smartwatch works with an iphone
could you help me decide which laptop to go for
which one has the better battery life
whats the best phone under 400
best monitor for gaming?
suggest an ergonomic keyboard for long typing sessions
I want a good pair of studio headphones, not too pricey
searching laptop student programming lightweight
show me more like this one
show me products in the cameras category
what's popular in smartwatches this month
got any ideas for a birthday gift for a teenager
would you recommend the ZenBook or the ThinkPad for a developer
I want a phone with a great camera and long battery, ideas?
what laptops do you have for under a grand
need advice picking a laptop, mostly for coding and some gaming
which headphones are good for long flights
I'm not sure what to get, something for music on the go
is there a cheaper alternative to PHN-00008
what would you pick for a home studio on a budget
find me a 27 inch monitor for coding
list your best tablets for drawing
can u suggest sumthing for my sons birthday, he likes games
a good fitness watch for swimming?
which speaker has the best bass
tell me about your best laptops for business travel
what do other customers buy with this keyboard
looking for a compact camera for hiking trips
laptop recommendations for a data science student
I'd like to find a phone for my mum, simple and cheap
i wanna buy headphones but dont know which ones, help
which model do you recommend for a small desk
show me wireless keyboards
what's a good starter drone or camera for a kid
is LAP-00001 good for coding?
which is the better deal, MON-00004 or MON-00010
help me find something for my home office
I need a new laptop, what are my options
what laptop should I buy for gaming
any recommendations for a good budget phone
I need help choosing a monitor
suggest some headphones for working from home
what's a good gift for someone who loves tech
which tablet would you recommend for kids
is LAP-00011 better than LAP-00014
I'm looking for a camera to take on holiday
recommend something for music production
which keyboard is best for gaming
what's your best laptop for battery life
tell me more about the specs of MON-00005
show me phones with good cameras
help me pick a present for my mum
""",
    "inventory": """
I'm calling to check if you have the Sony headphones in stock
i have got to check if LAP-00008 is available in store
is LAP-00001 in stock at the mall?
do you have the sony headphones in store
is this available?
in stock?
is HPH-00012 available at the downtown store
how many units of LAP-00045 do you have left
when will the blue one be back in stock
check stock for PHN-00020
is it available in black
which store has the iphone in stock
can I pick it up today at the downtown store
availability of the 27 inch monitor
are there any left?
out of stock?? when do you restock
is the item available near me
stock check please
does the mall branch have this one
do u guys have airpods in stock rn
is LAP00001 in stok
how many are left in the warehouse
is the 256gb version available
I'd like to know if the gaming laptop is available at your airport shop
can you check availability of MON-00101
any stock at the airport store?
do you have any more of these
restock date for the camera
is it sold out
why is it showing unavailable
let me know when it's back in stock
can I reserve one at the store for pickup
is there stock for click and collect at the mall
is it available online or only in store
i want to check if u have this in stock
stock levels for LAP-00002 across stores
do you carry the Dell Inspiron in store right now
is the laptop available in silver
how many in stock
any available at the mall?
do you have the KEY-00009 keyboard in stock downtown
is the product back yet
in stock at the downtown store?
check if item CAM-00077 is available
is it in store or online only
how soon will you get more in stock
availability
stock
do you still have the discounted speaker in stock
got any left of the wireless charger?
has the shop near me got it on the shelf
I went to the store and it wasn't on the shelf, do you have more
quantity available for HPH-00003?
is LAP-00010 available in both stores
can i find this in any store today
is there inventory of the Pixel phone
is this product still available or discontinued
check inventory for me
do you have 3 of these available, I need them for my team
is it available for same day pickup in store
where can I find this item in stock
which location has stock of SPK-00004
its showing out of stock, will it come back
do you have any in the back room
is the monitor in stock or do I need to wait
stock levels pls
is ACC-00015 available
how many PHN-00002 does the airport store have
can you see if the riverside mall has the ThinkPad
units left of TAB-00006?
is the watch in stock in the 45mm size
do you have this in white
r they still in stock
I'd like to know whether you have the Bose headphones available
available in the Springfield store?
any stock left of the cheap keyboard
could you check whether WAT-00003 is in stock anywhere
in stock or not
is there any stock of the camera at Shelbyville
will the mall get more of these soon
limited stock? how many left
do u have LAP-00005 at downtown
is this laptop in stock
do you have HPH-00010 available
is MON-00006 available in the downtown store
when is the phone coming back in stock
have you got any of the wireless earbuds left
is the keyboard sold out
how many of LAP-00013 are in stock
can you check if the store near me has it
availability of the tablet in blue
is the grey version available
is the speaker available for pickup today
do you have stock of the 32gb model
is it in stock online
""",
    "payment": """
what's in my cart
show me my cart
add LAP-00002 to my cart
put two of ACC-00003 in my basket
how much is my cart in total
make a new order now
where on the site do I make an order
help me with making an order online
I need help making a new order
making an order online
I need to report that my payments keep having issues
how can I report a payment that went wrong
can you help me buy this stuff
I need assistance buying a few items
buying an item
can you help me with buying some of your products
I'd like to buy several things from you
help me to purchase an item
how can I buy a product
i have got to buy something how do i do it
I want to make a purchase please
assistance purchasing some items
which payment methods are available to me
show me the available payment options
is it possible to see which payment methods I can use
I'd like information about the ways to pay
I have got to check the accepted payment methods
I'm looking for information about getting an invoice
I don't know how to download my bill
what do I have to do to see my invoices
I'm calling about a payment problem
support with a failed payment
I want to buy the items in my cart
checkout
place an order for 2 of LAP-00001
buy the cart
i'd like to purchase this laptop
how do I actually make a purchase here?
help me buy a couple of items
i want to order a new phone
can I buy this now
purchase
ready to pay
take my money, just buy it
yes charge my card
yes, go ahead and pay
confirm the payment
pay now
complete my purchase please
I need help placing an order
how can i make an order on your site
I would like to buy some things
buy 3 of KEY-00004 with my saved card
proceed to checkout
let's checkout
order this for me please
where can I find my invoice
I need the invoice for ORD-1002
send me a copy of my bill
download invoice
can I get the invoice from last month
show me my invoices
i cant find my invoice anywhere
check invoice INV-2231
I need a receipt for my purchase
the bill for my purchase in march
I'd like to see my bills from last year
invoice
where do i look up my past invoices
what payment methods do u accept at checkout
can I pay with paypal?
do you take apple pay
can i pay in installments
do you accept amex
payment options
can I pay cash on delivery
do you accept bitcoin
how do i add a new credit card
update my card details
remove my saved card
is bank transfer an option
what are the ways I can pay
my payment failed
my card was declined
i was charged twice
payment not going through
problem with payment
I have an issue paying
there's an error when I try to pay
double charged for ORD-1003
my payment has been pending for ages
why was my card charged $49.99
what's the status of my payment
did my payment go through?
is my payment confirmed
i paid but the order says unpaid
report a payment problem
i cant pay
the page crashes when I click pay
wrong amount charged to my card
there's a charge on my card I don't recognise
need a hand with my payment
payment
payment methods
I want to pay for my order
pay for the headphones in my cart
how much do I owe
I'd like to purchase the ThinkPad, how do I do that
I wanna buy smth
how do i buy stuff from you
can you help me purchase a gift card for $50
yes please, buy it
go ahead, place the order
confirm order and charge me
pay with my visa ending 4242
i want to get the items from my basket
please help me to make a purchase today
want to purchase HPH-00007 now
can i use a debit card
does your site accept mastercard
which cards do you take
my transaction was rejected, no idea why
can't complete the payment, it keeps failing
the payment went through twice, why
invoices
I need a copy of the invoice for my company
can you email me the invoice
I want to check my bill
get invoice for my last order
I need to report a problem with a payment I made
how to pay with google pay
is it safe to pay by card on your site
buy now
i'd like to order the monitor and the keyboard together
submit my order
card declined again ffs
can i split the payment
I want to place an order
how can I place an order
help me order a laptop
I'd like to purchase a few things
can I order online and pay now
I want to buy the monitor, can you help
making a purchase
I'd like to make an order
I need to order a couple of items
how do I order from you?
I need assistance placing an order
could you assist me with buying this
I wanna order sth
i'd like to buy two of these
I need to see my invoice
can you check my invoice for me
invoice for my purchase
I need an invoice for my company expense report
where do I get a copy of my invoice
I want to download an invoice
could I get my invoice by email
show me the bill for ORD-1210
I want to check my latest bill
I need my billing history
can i see the invoices from my last few purchases
how to find my invoice number
get me an invoice
I never got an invoice for my order
what payment options do you have
which payment methods can I use
how can I pay
can I pay by bank transfer
do you accept credit cards
is PayPal available at checkout
payment options available
list the payment methods
can I pay with a gift card
payment problem, please help
my payment didn't go through
there's something wrong with my payment
I was charged the wrong amount
payment error at checkout
I can't pay for my order, the card keeps getting declined
why did my payment fail
report an issue with a payment
my card payment is stuck on processing
I got charged but have no order confirmation
I want to check the payment options
check which payment methods are available
I'm having trouble paying for my order
the payment for my order failed
I can't complete the payment on my order
problem paying for an order
how does ordering online work
I want to order something, how do I go about it
ordering from your site
""",
    "fulfillment": """
I want to remove several items from the order
could I add a few more items
I need assistance to take an item out
add some items please
how much do you charge if I cancel my contract
I want to remove a few products from an order I already made
can I add something to my order?
I need help adding more items to my order
how do i take some items off an order
problem removing an item from my order
modify an order i have made
i'd like to change the order i made yesterday
help me change my order
i dont know how to edit my order
could you help me remove something from the order
can i add a couple more things before it ships
replace one item in my order with another
what do I have to do to update an order
I'm calling about changing my order
is there a termination fee if I cancel
early cancellation charges?
check the penalty for cancelling an order
what are the withdrawal fees
how much is the early exit charge
do you charge anything for order cancellation
i want to see the cancellation charges
where can I check the fees for cancelling
when is the item I ordered going to arrive
how soon can I expect my purchase
I need to check when my parcel arrives
how long until my item gets here
what's the ETA on my order
check the ETA of my order
expected arrival date for my item
I'm calling to find out when my item will arrive
i have to find out how soon i'll get my package
tell me when my item will be delivered
show me the options for delivery
what options do I have for shipping
I'd like information about the delivery methods available
can you show me which shipping options I can pick
i'm looking for information about delivery choices
looking for info on changing my delivery address
help updating my address
address modification
I need to modify my address for deliveries
can you tell me how updating the address works
I want to correct the delivery address
I don't want the order I made anymore
i want to get rid of an order I placed
how can i cancel my last order
help me cancel an order i have made
I'd like information about cancelling a purchase
where is my order right now?
track ORD-1002
where's my package
has my order shipped yet
tracking number for ORD-1002
when will my order arrive at my place
how long does delivery take
delivery time to Boston
when will I get my stuff
what delivery options are there
do you offer express shipping
shipping options
can I get next day delivery
is there free shipping
do you ship internationally
how much is shipping
cancel my order
cancel ORD-1003
I want to cancel the order I placed yesterday
how do I cancel a purchase
is there a fee to cancel
cancellation fee for orders
how much does it cost to cancel an order
will I be charged if I cancel
change my order
add an item to my order
remove the mouse from my order ORD-1003
modify order
swap the size on my order
change the quantity on my order
change shipping address pls
update the delivery address for ORD-1003
I moved, I need to change the address on my order
set up a shipping address
add a new delivery address
save a new shipping address
my package is late
order status
my order hasn't arrived yet
status of ORD-1004
the courier says delivered but i didn't get it
can you deliver on a saturday
estimated delivery date
delivery
track my order for me
wheres my stuff
i ordered a laptop a week ago and still nothing
how many days till my order gets here
can you tell me when ORD-1003 will be delivered
where is ORD-1002 now
I'd like to track the parcel for my last order
has ORD-1003 been dispatched
what shipping methods do you have
standard vs express delivery
do you deliver to my area
can i choose a delivery slot
I need to know the delivery options
I'd like to cancel my order please
cancel it
i dont want the order anymore, cancel it
stop my order before it ships
how can I cancel order ORD-1003
are there any charges for cancelling
what's the cancellation penalty
any cancellation fees?
check the fee for cancelling my order
I want to change something in my order
can I edit the items in my order
add another keyboard to ORD-1003
take the headphones out of my order
update my order please
I made a mistake in my order
change the colour on my order from black to white
change my shipping address to my new flat
I want to use a different shipping address
update shipping address
my address is wrong on the order
can i ship it to my office instead
register a new shipping address
I need to set a shipping address
how do i add a second delivery address
new shipping address
help me set up the address for deliveries
ship to a different address
when does my order come
when will it be delivered
delivery period for orders to Canada
how long does shipping take to the UK
is my order on the way
is ORD-1002 out for delivery
track package
tracking
wheres my order ORD1002
my parcel is stuck in transit
the delivery is delayed
delivery estimate for my order
can I pick up my order in store instead of delivery
I need to cancel a purchase I made
cancel my purchase please
help me cancel the purchase I made last week
I want to cancel the purchase I just made
how can I cancel a purchase?
cancelling a purchase
i have to cancel an order i made on your website
I'd like to cancel order ORD-2219
could you cancel my most recent order
please cancel everything I ordered today
I want to withdraw my order
I no longer need the items I ordered, please cancel
can I still cancel if the order hasn't shipped
is it possible to cancel an order after paying for it
I paid for an order but I want to cancel it now
I don't want to go through with this order, cancel it
I don't want to pay for this order anymore, please cancel it
scrap my last order
abort the order
how to cancel an order online
where's the cancel button for my order
i want to cancle my order
cancell purchase ORD-8890
can you help me to cancel my purchase?
I ordered by mistake, please cancel it
I accidentally bought this twice, cancel one of the orders
I want to annul my order
need to cancel an order asap
what do I need to do to cancel a purchase
I'm trying to cancel an order but can't find how
revoke my order
cancel the order for the headphones
please don't ship my order, I want to cancel it
how do I cancel an order placed as a guest
I want to change my purchase
can I modify a purchase I already made?
help me edit my purchase
I need to update the purchase I made yesterday
how do I make changes to a purchase
I'd like to amend my order
amend order ORD-5512
can I swap an item in my purchase for a different one
I bought the wrong size, can I change it on the order before it ships
I'd like to substitute one product in my order
replace the blue case in my order with the black one
I want to add another item to my purchase
can I add a product to an order I've already paid for
please remove one of the items from my purchase
take one laptop off ORD-6602
I ordered two but only need one, can you change the quantity
increase the quantity on my order to three
I need to make a change to my order
edit items in an order
modify purchase
modifying my order
changing an order I made
can I still change my order after checkout?
i put the wrong item in my order, how do i fix that
correct the items in my order
there's a mistake in my order, I need to change one item
I picked the wrong model when I ordered, can you change it
add one more mouse to the order I placed
can you update my order to the 1TB version
upgrade the item in my order to the pro model
help with removing an item from an order
problem adding an item to my existing order
I want to delete an item from my order
modfy my order pls
i need to chnage my order
I need to change the delivery address on my order
how can I update my shipping address?
edit the shipping address for ORD-4403
I entered the wrong shipping address
my delivery address is out of date, I need to change it
the address on my order is incorrect, please update it
I'd like to modify my shipping address
can the parcel go to a different address than the one I gave
send my order to my work instead of home
change delivery adress
i gave you my old address by mistake
can you update the postcode for my delivery
there's a typo in my shipping address
fix the shipping address on my order
I need my package delivered somewhere else
change the address my order ships to
update my shipping details
I want to set up a shipping address
how do I set a default shipping address
add another shipping address to my account
I need to enter a new address for shipping
set up a different delivery address
I want to save my work address for deliveries
can I have more than one shipping address
create a shipping address
where do I add my delivery address
I can't add a new shipping address, it keeps giving an error
setting up a delivery address for my orders
set up shiping address
what delivery methods do you offer
which shipping options do you have
I want to know my shipping options
do you have same day delivery
can I choose a courier
what types of delivery are available
do you offer store pickup or only home delivery
what are the options for getting my order
is express delivery available for my area
tell me about your delivery services
do you deliver on weekends
can I get my order delivered to a locker
what's the cheapest shipping option
how much is express shipping
shipping methods available
options for shipping
delivery options list
do you ship to PO boxes
i need to check the delivery options for my country
how long will my order take to arrive
how long does shipping usually take
when should my package arrive
how long is the delivery time
how many days does standard delivery take
what's the delivery time for express
when will my purchase be delivered
how soon will I receive my order
I want to know when my purchase will arrive
expected delivery time for ORD-3320
is it going to arrive before the weekend
will my order get here by Friday
how fast is your shipping
what's the estimated delivery date for my purchase
how long until my purchase is delivered
delivery times
how long do deliveries take to Australia
is there a cancellation fee
what's the early termination fee
how much is the early exit fee
are there costs involved in cancelling
what are the fees for cancelling
how much will it cost to cancel my contract
what's the penalty for ending my contract early
termination fees
check early termination charges
I want to know the cancellation penalty
cancelling costs
is cancellation free of charge
do you charge a cancellation fee on orders that have shipped
I'd like to know the fee for ending my plan early
cancellation charge for ORD-2201
any penalty for cancelling before delivery?
how much is the exit fee if I terminate
what's the fee to cancel
can I see the cancellation fees
termination penalty
cancelation fee
where's my parcel
I want to track my purchase
can you tell me where my order is
tracking info for my order
has my purchase been shipped
my order still hasn't shown up
status update on ORD-2290 please
I'd like to check the status of my order
where is the stuff I ordered
track my purchase
take the charger out of my purchase
remove an item from the purchase I made
delete the keyboard from my purchase
call off my order
what delivery companies do you work with
do you ship with DHL or UPS
I need to cancel order number 48213
change order number 55102
I'd like to change the items in order number 77310
""",
    "loyalty": """
I'm calling about my reward points
I'm looking for information about the newsletter
how many points do i have?
my rewards balance
redeem my points
use my points on my next purchase
any offers today?
discount codes?
do you have a coupon
my promo code isn't working
what deals do you have
loyalty program
how do I join the rewards club
what tier am I
subscribe to the newsletter
unsubscribe from the newsletter
sign me up for your emails
stop sending me marketing emails
newsletter
how do i earn more points
are my points expiring?
is there a student discount
black friday sale?
voucher
how do i get 10% off
birthday reward
member perks
cancel my newsletter subscription
I'm not receiving the newsletter anymore
points balance
check my loyalty points
how much are my points worth
I'd like to redeem 500 points for a discount
can i use points and card together
rewards
what are the benefits of the loyalty program
am I a gold member
any discounts on laptops this week
current promotions
do you have any sales on
is there a coupon for first time buyers
apply my discount code SAVE10
where do I enter a voucher code
i'd like to subscribe to your newsletter
how can I sign up for the newsletter
I want to unsubscribe from your mailing list
opt out of promotional emails
change my newsletter preferences
I don't want the newsletter anymore
newsletter subscription
help me with the newsletter sign-up
how often do you send the newsletter
can i get the weekly deals by email
special offers for members
any promo for existing customers
points history
why didn't I get points for ORD-1001
missing reward points from my last purchase
convert points to store credit
do points expire
how do the rewards work
how many points do I get per dollar
refer a friend bonus
any bundles or deals on headphones
gimme a discount
whats on offer
coupon code
do you price match or have offers
I want to see my offers
clearance deals
is anything on sale this weekend
exclusive deals for loyalty members
I have 1200 points, what can I get
transfer my points to my partner
I want to subscribe to the newsletter
put me on the newsletter list
how can I unsubscribe from the newsletter
remove me from your newsletter
I'd like to receive your newsletter
I want to stop my newsletter subscription
subscribe me to your mailing list
newsletter sign up
can I get your newsletter
my points balance is wrong
how do I claim my rewards
are there any deals for members
do you have a discount code for me
use my loyalty points on this order
what rewards can I get
cancel the newsletter
I want to cancel my subscription to your newsletter
unsubscribe me from the company newsletter
stop my newsletter emails
""",
    "post_purchase": """
I want to make a reclamation
help making a consumer claim against your business
lodge a claim
what do I need to do to file a reclamation
I need assistance to lodge a customer complaint
is there an email to send my review to
I want to make a customer claim
how do i lodge a complaint against your company
file a claim
I'd like to register a complaint about the service
I'm calling to complain
where could I file a formal complaint
make a consumer complaint
I'm calling to give some feedback
in what circumstances can I ask to be refunded
show me when I can get my money back
I'd like information about getting a rebate
I need compensation for a broken product
I want to be compensated
support with my refund
what do I have to do so I get refunded
I don't know how to return an item
i want to return my headphones
how do I return an item?
return ORD-1001
get a refund
I want my money back for this
refund status pls
where is my refund gone?
has my refund been processed
when will i get my refund
refund policy
can i get a refund if I changed my mind
how many days do I have to return something
in what cases can a customer ask for a refund
warranty
is my laptop still under warranty
warranty claim for ORD-1004
my laptop screen is broken
the item arrived damaged
the product is defective
it stopped working after a week
i received the wrong item
i want to complain
file a complaint
i have a complaint about your service
your service is terrible
I'd like to make a claim
i'm really unhappy with my purchase
leave a review
rate my purchase
give feedback about your service
how do I write a review
submit feedback
exchange for a different size
I need a replacement for a faulty charger
can you repair my phone under warranty
return label please
send it back
I'd like to return the monitor from ORD-1001
how do i send back an item i dont want
refund for ORD-1004
i need a refund for a broken keyboard
how long do refunds usually take to clear
track my refund
can you check on the status of my refund
is my refund on its way
refund not received yet
I returned the item two weeks ago and still no money
what is your return policy
what's the refund policy for opened items
can I get my money back on sale items
do you refund shipping costs
how long is the warranty on laptops
warranty coverage for HPH-00001
does the warranty cover water damage
my headphones broke, are they covered
the camera doesn't turn on anymore
it's faulty
screen cracked on arrival
the keyboard has dead keys, I want a replacement
the item is not as described
I want to file a claim against your company
where can I lodge a complaint
I am not happy with the service I received
I want to report a bad experience with your staff
this is unacceptable, I want to complain
complaint about an order
I'd like to leave feedback on my recent order
write a review for LAP-00001
post a review about your service
how can i rate the product i bought
I want to share my opinion about your company
customer feedback
review time
returns
refunds
refund please
i want a refund now
money back
reimburse me
I want to be reimbursed for my faulty order
return an item bought in store
start a return for ORD-1004
my order came broken
the product is damaged what do I do
can I exchange it for another colour
I'm disappointed with the quality, I want to send it back
what are the conditions for a refund
check if I'm eligible for a refund
status of my return
has the warehouse received my return
I want to make a complaint about a delivery driver
how do i give a review
help me leave a review of the laptop
how do I get a refund
I'd like to request a refund
can I get a refund for my purchase
I need a refund for an item I returned
refund me please
I'd like to get reimbursed
can you give me my money back for this order
where's my refund
I'm waiting for a refund, what's the status
has my refund been sent yet
check the status of my refund
refund still hasn't arrived
how long until I get my refund
what's your refund policy
can I get a refund after 30 days
what is your money back guarantee
do you refund digital products
in which cases do you offer refunds
I've got a complaint
I'd like to complain about your service
I'm very dissatisfied with your service
how do I file a complaint
I want to raise a complaint about my order
the service I got was terrible
I want to complain about how my delivery was handled
I need to submit a claim
I'm not happy and want to make a formal complaint
I want to leave a review
how can I give you feedback
I'd like to write a review of my purchase
where can I leave a product review
I want to share feedback about your customer service
can I rate the support I got
let me give my opinion on the service
submit a review
feedback on my order
I want to return my purchase
how do I return a product I bought
I'd like to give feedback on how customer service treated me
give a rating for the help I received
leave feedback about the support team
how can I review your service
""",
    "proactive_call": """
call me back
can someone call me tomorrow at 10?
schedule a call
ring me tomorrow at 10
phone me about my cart
please give me a call this afternoon
book a callback for 3pm
I'd like a call back
call me on +15550000001
can you call me later today
I'd prefer a phone call
set up a call for monday morning
reschedule my callback to thursday
cancel my scheduled call
can your team phone me about the laptop I was looking at
have a sales rep call me
callback please
request a callback
call me at 5
can you ring me in an hour
please phone me at 9am tomorrow
give me a ring
give us a bell later
i want someone to call me about the headphones in my basket
arrange a phone call with me for friday
i'd like you to call me about my order
can i get a callback on my mobile
could you call me back when you have a minute
call me asap
ring me back
phone me
i'd rather talk on the phone, call me
book me a call with sales
schedule a callback for tomorrow afternoon
when will you call me?
what time is my callback
move my call to 4pm
cancel the callback
please call +15550000002 about my cart
reach me by phone tonight
can somebody give me a call about financing
i want a call tomorrow morning
call me tmrw at 10am
pls ring me
set a reminder call for my cart
can you call me to finish the order
i'm busy now, call me in 2 hours
schedule phone call
i'd like a phone call to discuss the camera
can an advisor call me about laptops for my team
phone call please
could I book a call for next week
have someone ring me at noon
call me later
get back to me by phone
call my number on file
set up a callback at 6pm on wednesday
is it possible to schedule a call with you
arrange a callback
I missed your call, can you call me again
can you call me at 3:30 today
could you phone me later
can someone ring me this afternoon
I'd like to book a callback
please call me back tomorrow
call me on my mobile
arrange for someone to phone me
can I get a call from a sales advisor
schedule a callback for monday
I want someone to call me this evening
can you give me a ring later
""",
    "pos_adapter": """
ring up 3 monitors for a walk-in customer
ringing up a sale at the downtown shop
can you ring this up, 1 x KEY-00002
ring them up please, two chargers at the counter
sync inventory from the till
ring up an in-store sale
transaction TX-12345
look up TX-00981
the register is not syncing
terminal 3 is offline
void transaction TX-555
in-store sale of LAP-00001 x2 at downtown
record a sale at the till
POS sync
refresh stock from the point of sale
the card reader at the till isn't working
pull the latest sales from the store register
till receipt for TX-2231
reconcile the till
close out register 2
what were today's in-store sales
push the cash register sales into inventory
sync the POS
update store stock from the POS system
ring up 2 x HPH-00001 for the customer at the counter
record in-store purchase TX-7781 for 89.99
the POS is down at the mall
till not updating stock
is the till system connected
import sales from the till
sync stock levels with the shop tills
log a walk-in sale of KEY-00003
ring up a sale on register 1
process a counter sale
enter transaction TX-1001 into the system
check transaction TX-4410
what happened to TX-8802
did TX-3300 go through on the till
the terminal froze mid sale
point of sale integration status
link this till transaction to my account
sale rung up at downtown store, TX-9981
record that I bought this in the shop, transaction TX-2020
add my in-store purchase to my account
I bought it at the counter, here is the receipt number TX-1234
pos
till
register sync
refresh inventory from the registers
run a stock sync with the point-of-sale
till sync failed
why is the POS showing different stock
record a store sale of 3 MON-00002 on the till
the tills at the airport store are offline
void the last sale on register 3
cash register
point of sale
ring it up at the till
sync till stock now
upload today's till transactions
enter a manual sale on the POS
reprint the till receipt for TX-6060
terminal 2 won't connect to the server
update inventory from the store registers
add in store transaction TX-7007
what's the status of the POS connection
record a till sale for the customer
ring up this sale at the counter
sync the register with the stock system
the till at the mall isn't connecting
what's the status of transaction TX-9090
record a counter sale of LAP-00002
the POS terminal is showing an error
cash register won't sync stock
process a walk-in sale at the downtown till
update stock from in-store sales
""",
    "handoff": """
can you direct me to somebody
I want to contact an assistant
get me a customer service agent
at what time is your customer service team available
talk to a human
i want to speak to an agent
representative please
can I talk to a real person
connect me with customer service
how do I contact support?
customer service phone number
what's your support email
what are your customer service hours
I need to speak with someone today
get me a person
operator
live chat with an agent please
this bot is useless, human please
escalate this
i want to speak to a manager
how can I get in touch with you
contact us
is there a number I can call?
I'd like to call customer support
human
agent
real person
speak to someone
transfer me to an agent
let me talk to your staff
i need a human being
are there any people working there I can talk to
can i chat with a live agent
how do i reach customer care
customer service pls
contact customer support
i want to contact your customer service people
where can I find the customer service email
help desk contact
put me through to a human please
I don't want to talk to a robot
stop, connect me to a representative
can a person help me instead
get me an actual human
I need assistance from a real agent
what number do I call for support
how to contact your team
is there a support hotline
customer care number
I want to speak with a customer service rep
talk to support
where do I send an email to support
what hours is customer service open
I need to reach your support team urgently
can I speak to your customer service team
i'd like to talk with a person about my problem
representative
live agent
human agent pls
get me someone who can actually help
speak with an employee
connect me to an operator
how can i contact a human
talk 2 a real person
i want to reach someone in customer service
I'd like to speak to someone from sales staff
hand me over to an agent
I want to speak to customer service
how can I get in touch with customer service
I need to contact customer support
can I talk to an agent
please connect me with an agent
what's the customer service phone number
when is customer support available
customer support hours
put me through to someone
put me in touch with an assistant
can I contact your customer service by email
I'd like to chat with customer service
I need help from a person
talk to customer care
is there someone I can speak to
get me an agent
contact an agent
I want assistance from a customer service agent
""",
    "general": """
tell me more about the cancellation of my account
account cancellation
I need information about cancelling my user account
I want to register on the website
I would like to register on your site
how can I register with you?
registering on the app
i tried to register but it didn't work
help me register as a new customer
trouble registering
I have issues with the signup
support with my registration
I need to report a sign-up problem
I'm looking for information about my PIN reset
can you tell me about password retrieval
i lost my password
how do i reset my access key
forgot my pin code
pwd recovery
I can't remember my passcode, how do I get a new one
I'm looking for information about forgotten passwords
I need assistance to update my user data
modify my personal information
correct my personal data
help with editing my profile info
I don't need this user anymore, I want to use a new one
switch user please
change to a different account
i need assistance closing my online account
I no longer want my second account, delete it
hi
hello there
thanks
bye
good morning
thank you so much
ok
who are you?
what can you do
help
create an account
sign up
open a new account
how do I register as a customer?
delete my account
close my account
remove my profile
edit my account
update my profile details
change the email on my account
change my phone number in my profile
switch account
log in with a different account
swap to my other profile
forgot my password
reset password
i cant remember my password
how do I recover my account
registration problems
i get an error when signing up
the sign up form doesn't work
store hours
where is your nearest store
are you open on sunday
what time do you close today
where are your shops
tell me a joke
what's the weather like
hey
yo
cheers mate
good evening
nice, thanks for the help
I'd like to create an account
help me make a new profile
open an account for my business
i want to sign up for an account
can I delete my profile
cancel my account
I want to close my user account
terminate my account
edit my personal details
update my name on my account
modify my account information
change my username
switch to another of my accounts
how do i change to my other user
i want to use my second profile
log out and log in as another user
recover my lost password
password reset link not arriving
i forgot my login details
how to get a new password
retrieve my pin
my account is locked
problems with registration
i cant register, it says email already in use
report a sign-up issue
registration error
can't create my account, keeps failing
what are your opening hours
what's the address of the downtown store
where is the Riverside Mall store
is the airport store open on holidays
do you have a store in Springfield
what is OmniSales
are you a bot?
how are you
good night
no thanks
that's all
never mind
what languages do you speak
can I change my account email and password
update my account settings
I want to change my date of birth in my profile
account
password
login problems
i cant log in
how do i change my password
I'd like to create a new account
how do I open an account
I want to sign up
can I create an account with my email
make me an account
register a new account
I want to delete my account
shut down my account for good
remove my account
cancel my user account
delete my profile please
I'd like to deactivate my account
I want to edit my account details
change my personal details
update my email address on my account
how do I change my profile information
modify my account
change the phone number on my account
edit my user profile
I forgot my password, help
password reset please, I'm locked out
send me a password reset
recover my account password
lost my password
I can't sign up
there's an error when I try to register
registration isn't working for me
I'm having trouble creating an account
the registration page won't let me finish
I need to swap accounts
change to my other account
move over to my other account
switch profile
how can I use another account
hiya
thank you, goodbye
great thanks
how do I cancel my account
is there a way to cancel my online account
I want to terminate my user profile
close down my customer account
help me cancel my account on your site
I'd like my account deleted, how is it done
I need to change my user details
update the personal info on my account
good day to you
morning
I want to update my user info
how can I change my personal data
edit the personal information on my profile
modify the user details on my account
""",
}

EXAMPLES: list[tuple[str, Route]] = [
    (line.strip(), route)
    for route, block in _BLOCKS.items()
    for line in block.splitlines()
    if line.strip()
]
