"""Given names and surnames common in the countries of the large clinical registries
(English-speaking, German, French, Spanish, Italian, Dutch, Nordic, Polish), lower case and
without accents, for telling a column of personal names from one of categories. Words that
are also clinical or everyday terms (Mark, Grace, May, Will, Rose, Long, White, ...) are left
out, so that a histology or status column is never taken for names."""

from __future__ import annotations

GIVEN = """
james john robert michael william david richard joseph thomas charles christopher daniel
matthew anthony donald steven paul andrew joshua kenneth kevin brian george edward ronald
timothy jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
brandon benjamin samuel gregory alexander raymond patrick jack dennis jerry tyler aaron jose
adam henry nathan douglas zachary peter kyle walter ethan jeremy harold keith roger noah
gerald carl terry sean arthur lawrence jesse dylan bryan joe billy bruce albert gabriel
logan alan juan wayne roy ralph randy eugene vincent russell elijah louis bobby philip
johnny mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa
betty margaret sandra ashley kimberly emily donna michelle dorothy carol amanda melissa
deborah stephanie rebecca sharon laura cynthia kathleen amy shirley angela helen anna brenda
pamela nicole emma samantha katherine christine debra rachel catherine carolyn janet ruth
maria heather diane julie joyce olivia kelly christina lauren joan evelyn judith megan
cheryl andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice jean
alice doris abigail julia judy sophia beverly denise marilyn danielle theresa diana natalie
isabella marie kayla alexis lori jane roe hans klaus jurgen wolfgang uwe dieter horst helmut
gunter manfred werner gerhard karl heinz friedrich stefan andreas matthias markus torsten
sven jens lars dirk holger ralf bernd joachim wilhelm ursula ingrid gisela helga renate
monika petra sabine claudia susanne birgit gabriele karin brigitte heike anja katrin jutta
elke ute annette silke kerstin anke tanja stefanie lena lea leonie sophie pierre michel
philippe alain jacques bernard christophe francois nicolas olivier laurent frederic
sebastien thierry didier herve yves gilles pascal benoit guillaume mathieu julien antoine
maxime hugo lucas theo jeanne francoise monique nathalie isabelle sylvie martine christiane
veronique valerie sandrine celine aurelie camille manon chloe ines juliette margaux antonio
manuel francisco javier carlos jesus alejandro miguel rafael pedro angel fernando pablo luis
sergio jorge alberto alvaro diego adrian raul enrique ramon vicente ignacio andres joaquin
santiago carmen josefa isabel pilar ana lucia cristina marta elena mercedes rosario beatriz
raquel rocio silvia montserrat alejandra nuria irene encarnacion inmaculada giuseppe
giovanni mario luigi francesco angelo vincenzo pietro salvatore carlo franco domenico bruno
paolo michele giorgio aldo luciano marco massimo alessandro stefano roberto fabio davide
matteo lorenzo riccardo giulia francesca chiara federica valentina alessandra elisa paola
giovanna giuseppina concetta antonietta carmela johannes cornelis hendrik pieter willem
gerrit jacobus adrianus bram daan sem thijs jeroen ruud sander niels maarten wouter joost
johanna cornelia wilhelmina hendrika geertje grietje anneke marieke sanne femke lotte fleur
eva anouk anders nils erik lennart olof magnus mikael johan henrik jonas mattias oskar axel
emil filip viktor gustav elias knut bjorn ole soren morten rasmus mads frederik kasper
mikkel jorgen arne terje geir trond sigurd halvard kristian kari astrid sigrid solveig liv
randi kirsten mette hanne lene birthe inge annika elin ebba frida maja saga wilma klara alva
linnea freja ida sofie mathilde ane kaisa aino eino matti juha jukka timo pekka mikko jaana
tuula leena pirjo marjatta helmi piotr krzysztof andrzej tomasz pawel michal marcin grzegorz
jozef marek stanislaw katarzyna malgorzata agnieszka ewa krystyna elzbieta zofia
"""

SURNAMES = """
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson taylor moore jackson martin lee thompson harris sanchez clark
ramirez lewis robinson walker allen wright scott torres nguyen flores adams nelson baker
hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz
edwards collins reyes stewart morris morales murphy rogers gutierrez ortiz morgan cooper
peterson bailey kelly howard ramos kim richardson watson brooks chavez bennett mendoza ruiz
hughes alvarez castillo sanders patel myers ross foster jimenez muller mueller schmidt
schneider fischer weber meyer wagner becker schulz hoffmann schafer schroder neumann
zimmermann kruger hofmann hartmann lange schmitt werner krause lehmann schmid schulze maier
kohler herrmann konig walter mayer huber fuchs peters scholz moller hahn bernard dubois
thomas robert richard durand leroy moreau simon laurent lefebvre michel david bertrand roux
vincent fournier morel girard andre lefevre mercier dupont lambert bonnet francois legrand
garnier faure rousseau guerin henry roussel nicolas perrin morin mathieu clement gauthier
dumont fontaine chevalier robin fernandez perez romero navarro dominguez gil vazquez serrano
molina suarez ortega castro marin sanz iglesias nunez medina garrido santos cortes lozano
guerrero mendez rossi ferrari esposito bianchi romano colombo ricci greco bruno mancini
giordano rizzo lombardi moretti barbieri santoro mariani rinaldi caruso ferrara galli
martini martinelli lombardo jong jansen bakker janssen visser smit meijer mulder hendriks
leeuwen dekker brouwer dijkstra smits jacobs vermeulen schouten willems hoekstra verhoeven
koster huisman peeters kuipers kuiper veenstra kramer johansson andersson karlsson nilsson
eriksson larsson olsson persson svensson gustafsson pettersson jonsson jansson hansson
bengtsson joensson lindberg jakobsson magnusson olofsson lindstrom lindqvist lindgren
axelsson bergstrom lundberg lundgren lundqvist mattsson berglund fredriksson sandberg
henriksson forsberg sjoberg jensen nielsen hansen pedersen andersen christensen larsen
sorensen rasmussen jorgensen petersen madsen kristensen olsen thomsen christiansen poulsen
johansen mortensen johannessen haugen hagen johnsen andreassen jacobsen halvorsen solberg
korhonen virtanen makinen nieminen makela hamalainen laine heikkinen koskinen jarvinen
lehtonen lehtinen saarinen salminen heinonen niemi heikkila kinnunen salonen turunen nowak
kowalski wisniewski wojcik kowalczyk kaminski lewandowski zielinski szymanski wozniak
dabrowski kozlowski jankowski mazur kwiatkowski krawczyk piotrowski grabowski
"""

NAMES = frozenset(f"{GIVEN} {SURNAMES}".split())
