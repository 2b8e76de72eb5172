/* Stripe's Payment Element on the payment page (live mode only: loaded when
   STRIPE_PUBLISHABLE_KEY is set). Deferred mode: the element collects the card, Stripe.js
   creates a PaymentMethod, and the form posts only its pm_ id; the server creates and
   confirms the PaymentIntent (and sends the customer to their bank when it asks). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-stripe-pay]");
  var optionsNode = document.getElementById("stripe-elements-options");
  if (!form || !optionsNode || typeof window.Stripe !== "function") return;
  var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
  var elements = stripe.elements(JSON.parse(optionsNode.textContent));
  var element = elements.create("payment");
  var button = form.querySelector("button[type=submit]");
  var problem = document.getElementById("payment-element-error");
  element.mount("#payment-element");
  element.on("ready", function () { button.disabled = false; });

  function fail(error) {
    problem.textContent = (error && error.message) || "Your card could not be used.";
    problem.hidden = false;
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    if (form.elements.payment_method.value) return; /* the id is in: let it post */
    event.preventDefault();
    button.disabled = true;
    problem.hidden = true;
    elements.submit().then(function (checked) {
      if (checked.error) return fail(checked.error);
      return stripe.createPaymentMethod({ elements: elements }).then(function (made) {
        if (made.error) return fail(made.error);
        form.elements.payment_method.value = made.paymentMethod.id;
        form.submit();
      });
    }).catch(fail);
  });
})();
